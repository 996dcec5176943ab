using Rig.Hypervisor.Kvm;

namespace Rig.Hypervisor.Vm;

/// <summary>
/// One register frame per host CPU, shared by every rig-hv started by the same controller (the rig): the model of a
/// hypervisor's per-physical-CPU state, as Xen keeps a descheduled vCPU's registers lazily on the pCPU it last ran on
/// and names their owner in per_cpu(curr_vcpu) (xen/arch/x86/domain.c, context_switch / __sync_local_execstate).
/// A parked vCPU leaves its registers in the frame of its host CPU; when it comes back on the same host CPU it takes
/// nothing (its registers are still live in KVM), when it comes back elsewhere the frame follows it. A destroyed vCPU
/// leaves its last registers in the frame of the host CPU it died on, and must take the frame's ownership to do so:
/// the frame then belongs to nobody alive, and a vCPU that parked there earlier no longer finds its own.
/// The table is a file under /dev/shm named after the parent process, so VMs of one rig run share it and no other run
/// does; a slot's lock word and owner are updated with atomic operations because the writers are separate processes.
/// </summary>
public sealed unsafe class HostCpuFrames : IDisposable
{
    public const int MaxHostCpus = 1024;

    private const int SlotWords = 24;
    private const int LockWord = 0;
    private const int OwnerWord = 1;
    private const int RegsWord = 2;
    private const int LockSpins = 100_000;
    private const string FilePrefix = "rig-hv-host-cpu-frames.";
    private static readonly nuint Size = (nuint)(MaxHostCpus * SlotWords * sizeof(ulong));

    private readonly ulong* _slots;

    private HostCpuFrames(ulong* slots) => _slots = slots;

    /// <summary>
    /// The table shared with the other VMs of this controller (<c>/dev/shm/rig-hv-host-cpu-frames.&lt;parent pid&gt;</c>),
    /// after removing the tables of controllers that have exited.
    /// </summary>
    public static HostCpuFrames OpenShared()
    {
        string directory = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        RemoveOrphans(directory);
        string path = Path.Combine(directory, FilePrefix + Libc.Getppid());
        int fd = Libc.Open(path, Libc.ORdWr | Libc.OCreat | Libc.OCloExec, 0x180);
        if (fd < 0)
        {
            throw KvmException.FromErrno($"open {path}");
        }

        try
        {
            if (Libc.Ftruncate(fd, (long)Size) != 0)
            {
                throw KvmException.FromErrno($"ftruncate {path}");
            }

            nint map = Libc.Mmap(0, Size, Libc.ProtRead | Libc.ProtWrite, Libc.MapShared, fd, 0);
            return map == Libc.MapFailed ? throw KvmException.FromErrno($"mmap {path}") : new HostCpuFrames((ulong*)map);
        }
        finally
        {
            Libc.Close(fd);
        }
    }

    /// <summary>A process-private table (tests, or a VM with no shared controller).</summary>
    public static HostCpuFrames OpenPrivate()
    {
        nint map = Libc.Mmap(0, Size, Libc.ProtRead | Libc.ProtWrite, Libc.MapPrivate | Libc.MapAnonymous, -1, 0);
        return map == Libc.MapFailed ? throw KvmException.FromErrno("mmap of the host CPU frames") : new HostCpuFrames((ulong*)map);
    }

    /// <summary>A vCPU's name in the table: process and vCPU index, never 0 (0 is "nobody").</summary>
    public static ulong Token(int pid, int vcpu) => ((ulong)(uint)pid << 16) | (uint)vcpu | (1UL << 63);

    /// <summary>The host CPU the calling thread runs on, as a slot index.</summary>
    public static int CurrentHostCpu() => Math.Clamp(Libc.SchedGetcpu(), 0, MaxHostCpus - 1);

    /// <summary>A parking vCPU leaves <paramref name="regs"/> in the frame of <paramref name="hostCpu"/> and becomes its owner.</summary>
    public void Park(int hostCpu, ulong owner, in KvmRegs regs)
    {
        ulong* slot = Lock(hostCpu);
        slot[OwnerWord] = owner;
        fixed (KvmRegs* r = &regs)
        {
            *(KvmRegs*)(slot + RegsWord) = *r;
        }

        Unlock(slot);
    }

    /// <summary>
    /// A vCPU coming back from a park on <paramref name="hostCpu"/> takes its frame: the registers, if the frame is still
    /// <paramref name="owner"/>'s; the frame is then free. Null if another vCPU has taken the frame since.
    /// </summary>
    public KvmRegs? Take(int hostCpu, ulong owner)
    {
        ulong* slot = Lock(hostCpu);
        KvmRegs? regs = null;
        if (slot[OwnerWord] == owner)
        {
            regs = *(KvmRegs*)(slot + RegsWord);
            slot[OwnerWord] = 0;
        }

        Unlock(slot);
        return regs;
    }

    /// <summary>
    /// A destroyed vCPU leaves its last registers in the frame of the host CPU it ran on. With
    /// <paramref name="takeOwnership"/> false it writes them without becoming the frame's owner: the seeded defect
    /// stale-vcpu-state-on-migrate (Xen's vcpu_destroy cleared a VMCS that per_cpu(curr_vcpu) did not name, seed 002).
    /// </summary>
    public void Retire(int hostCpu, ulong owner, in KvmRegs regs, bool takeOwnership)
    {
        ulong* slot = Lock(hostCpu);
        if (takeOwnership)
        {
            slot[OwnerWord] = owner;
        }

        fixed (KvmRegs* r = &regs)
        {
            *(KvmRegs*)(slot + RegsWord) = *r;
        }

        Unlock(slot);
    }

    public void Dispose() => Libc.Munmap((nint)_slots, Size);

    /// <summary>
    /// The slot's lock word. Its holders are separate processes and one can be SIGKILLed while holding it (the rig
    /// destroys VMs that way), so the wait is bounded and a lock held that long is taken over.
    /// </summary>
    private ulong* Lock(int hostCpu)
    {
        ulong* slot = _slots + (hostCpu * SlotWords);
        for (int i = 0; i < LockSpins && Interlocked.CompareExchange(ref *slot, 1, 0) != 0; i++)
        {
            Thread.SpinWait(16);
        }

        Volatile.Write(ref *slot, 1UL);
        return slot;
    }

    private static void Unlock(ulong* slot) => Volatile.Write(ref slot[LockWord], 0UL);

    /// <summary>Tables whose controller has exited are nobody's: remove them, so runs leave nothing behind in /dev/shm.</summary>
    private static void RemoveOrphans(string directory)
    {
        foreach (var file in Directory.EnumerateFiles(directory, FilePrefix + "*"))
        {
            if (int.TryParse(Path.GetFileName(file)[FilePrefix.Length..], out int pid)
                && Libc.Kill(pid, 0) != 0 && Libc.LastError == Libc.ESrch)
            {
                File.Delete(file);
            }
        }
    }
}
