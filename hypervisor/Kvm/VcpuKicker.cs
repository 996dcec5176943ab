using System.Runtime.CompilerServices;
using Tmds.Linux;

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
    public void BindToCurrentThread() => Volatile.Write(ref _thread, LibcGaps.PthreadSelf());

    public void Kick()
    {
        _run.ImmediateExit = true;
        nuint thread = Volatile.Read(ref _thread);
        if (thread != 0)
        {
            // pthread_t is an opaque pointer-sized word; Tmds.LibC's has no public constructor, so the word is reinterpreted.
            LibC.pthread_kill(Unsafe.BitCast<nuint, pthread_t>(thread), KickSignal);
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

            void* page = LibC.mmap(null, 4096, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS, -1, 0);
            if (page == LibC.MAP_FAILED)
            {
                throw KvmException.FromErrno("mmap of the kick signal handler");
            }

            *(byte*)page = 0xC3; // ret
            if (LibC.mprotect(page, 4096, LibC.PROT_READ | LibC.PROT_EXEC) != 0)
            {
                throw KvmException.FromErrno("mprotect of the kick signal handler");
            }

            // sa_mask empty: the handler blocks nothing but the kick itself.
            var action = new sigaction { sa_handler = page, sa_flags = LibC.SA_RESTART };
            if (LibC.sigaction(KickSignal, &action, null) != 0)
            {
                throw KvmException.FromErrno($"sigaction({KickSignal})");
            }

            s_installed = true;
        }
    }
}
