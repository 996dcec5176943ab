using System.Runtime.InteropServices;
using Rig.Hypervisor.Kvm;
using Tmds.Linux;

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
public sealed class HostCpuFrames : IDisposable
{
    public const int MaxHostCpus = 1024;

    private const int SlotWords = 24;
    private const int LockWord = 0;
    private const int OwnerWord = 1;
    private const int RegsWord = 2;
    private const int LockSpins = 100_000;
    private const string FilePrefix = "rig-hv-host-cpu-frames.";

    private readonly MappedWords _table;

    private HostCpuFrames(MappedWords table) => _table = table;

    /// <summary>
    /// The table shared with the other VMs of this controller (<c>/dev/shm/rig-hv-host-cpu-frames.&lt;parent pid&gt;</c>),
    /// after removing the tables of controllers that have exited.
    /// </summary>
    public static HostCpuFrames OpenShared()
    {
        string directory = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        RemoveOrphans(directory);
        return new HostCpuFrames(MappedWords.OpenShared(Path.Combine(directory, FilePrefix + LibC.getppid()), MaxHostCpus * SlotWords));
    }

    /// <summary>A process-private table (tests, or a VM with no shared controller).</summary>
    public static HostCpuFrames OpenPrivate() => new(MappedWords.OpenPrivate(MaxHostCpus * SlotWords));

    /// <summary>A vCPU's name in the table: process and vCPU index, never 0 (0 is "nobody").</summary>
    public static ulong Token(int pid, int vcpu) => ((ulong)(uint)pid << 16) | (uint)vcpu | (1UL << 63);

    /// <summary>The host CPU the calling thread runs on, as a slot index.</summary>
    public static int CurrentHostCpu() => Math.Clamp(LibC.sched_getcpu(), 0, MaxHostCpus - 1);

    /// <summary>A parking vCPU leaves <paramref name="regs"/> in the frame of <paramref name="hostCpu"/> and becomes its owner.</summary>
    public void Park(int hostCpu, ulong owner, in KvmRegs regs)
    {
        int slot = Lock(hostCpu);
        _table[slot + OwnerWord] = owner;
        Registers(slot) = regs;
        Unlock(slot);
    }

    /// <summary>
    /// A vCPU coming back from a park on <paramref name="hostCpu"/> takes its frame: the registers, if the frame is still
    /// <paramref name="owner"/>'s; the frame is then free. Null if another vCPU has taken the frame since.
    /// </summary>
    public KvmRegs? Take(int hostCpu, ulong owner)
    {
        int slot = Lock(hostCpu);
        KvmRegs? regs = null;
        if (_table[slot + OwnerWord] == owner)
        {
            regs = Registers(slot);
            _table[slot + OwnerWord] = 0;
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
        int slot = Lock(hostCpu);
        if (takeOwnership)
        {
            _table[slot + OwnerWord] = owner;
        }

        Registers(slot) = regs;
        Unlock(slot);
    }

    public void Dispose() => _table.Dispose();

    private ref KvmRegs Registers(int slot) =>
        ref MemoryMarshal.Cast<ulong, KvmRegs>(_table.Words.Slice(slot + RegsWord, SlotWords - RegsWord))[0];

    /// <summary>
    /// The slot's lock word. Its holders are separate processes and one can be SIGKILLed while holding it (the rig
    /// destroys VMs that way), so the wait is bounded and a lock held that long is taken over.
    /// </summary>
    private int Lock(int hostCpu)
    {
        int slot = hostCpu * SlotWords;
        ref ulong word = ref _table[slot + LockWord];
        for (int i = 0; i < LockSpins && Interlocked.CompareExchange(ref word, 1, 0) != 0; i++)
        {
            Thread.SpinWait(16);
        }

        Volatile.Write(ref word, 1UL);
        return slot;
    }

    private void Unlock(int slot) => Volatile.Write(ref _table[slot + LockWord], 0UL);

    /// <summary>Tables whose controller has exited are nobody's: remove them, so runs leave nothing behind in /dev/shm.</summary>
    private static void RemoveOrphans(string directory)
    {
        foreach (var file in Directory.EnumerateFiles(directory, FilePrefix + "*"))
        {
            if (int.TryParse(Path.GetFileName(file)[FilePrefix.Length..], out int pid)
                && LibC.kill(pid, 0) != 0 && LibC.errno == LibC.ESRCH)
            {
                File.Delete(file);
            }
        }
    }
}
