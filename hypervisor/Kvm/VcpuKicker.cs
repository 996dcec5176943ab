namespace Rig.Hypervisor.Kvm;

/// <summary>
/// Makes a vCPU thread leave KVM_RUN now, from any thread. It sets kvm_run.immediate_exit (so a KVM_RUN about to start
/// returns at once with EINTR) and sends the thread a real-time signal (so a KVM_RUN in progress returns with EINTR).
/// The signal's handler is a single <c>ret</c> in an executable page of its own: no managed code runs in signal context.
/// </summary>
public sealed unsafe class VcpuKicker
{
    /// <summary>SIGRTMIN+6 with glibc (SIGRTMIN = 34); .NET itself uses SIGRTMIN for activation injection.</summary>
    public const int KickSignal = 40;

    private const int SaRestart = 0x10000000;
    private static readonly Lock InstallLock = new();
    private static bool s_installed;

    private readonly KvmRunPage _run;
    private nuint _thread;

    public VcpuKicker(KvmRunPage run)
    {
        _run = run;
        InstallHandler();
    }

    /// <summary>Call on the vCPU thread before its first KVM_RUN.</summary>
    public void BindToCurrentThread() => Volatile.Write(ref _thread, Libc.PthreadSelf());

    public void Kick()
    {
        _run.ImmediateExit = true;
        nuint thread = Volatile.Read(ref _thread);
        if (thread != 0)
        {
            Libc.PthreadKill(thread, KickSignal);
        }
    }

    /// <summary>Call on the vCPU thread after KVM_RUN returned, before looking at what the kick asked for.</summary>
    public void Acknowledge() => _run.ImmediateExit = false;

    private static void InstallHandler()
    {
        lock (InstallLock)
        {
            if (s_installed)
            {
                return;
            }

            nint page = Libc.Mmap(0, 4096, Libc.ProtRead | Libc.ProtWrite, Libc.MapPrivate | Libc.MapAnonymous, -1, 0);
            if (page == Libc.MapFailed)
            {
                throw KvmException.FromErrno("mmap of the kick signal handler");
            }

            *(byte*)page = 0xC3; // ret
            if (Libc.Mprotect(page, 4096, Libc.ProtRead | Libc.ProtExec) != 0)
            {
                throw KvmException.FromErrno("mprotect of the kick signal handler");
            }

            // glibc struct sigaction on x86-64: handler, sa_mask (128 bytes), sa_flags (int, padded to 8), sa_restorer.
            byte* action = stackalloc byte[152];
            new Span<byte>(action, 152).Clear();
            *(nint*)action = page;
            *(int*)(action + 136) = SaRestart;
            if (Libc.Sigaction(KickSignal, action, null) != 0)
            {
                throw KvmException.FromErrno($"sigaction({KickSignal})");
            }

            s_installed = true;
        }
    }
}
