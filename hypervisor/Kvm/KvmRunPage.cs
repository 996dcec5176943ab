namespace Rig.Hypervisor.Kvm;

/// <summary>KVM_EXIT_* reasons (linux/kvm.h) the run loop handles.</summary>
public enum KvmExitReason : uint
{
    Unknown = 0,
    Exception = 1,
    Io = 2,
    Debug = 4,
    Hlt = 5,
    Mmio = 6,
    IrqWindowOpen = 7,
    Shutdown = 8,
    FailEntry = 9,
    Intr = 10,
    InternalError = 17,
    SystemEvent = 24,
    X86Rdmsr = 29,
    X86Wrmsr = 30,
}

/// <summary>
/// The vCPU's shared struct kvm_run, mmap'd from the vCPU fd. Field offsets are those of linux/kvm.h on x86-64
/// (printed with offsetof on this machine); the exit-specific union starts at byte 32.
/// </summary>
public sealed unsafe class KvmRunPage(byte* page)
{
    private const int Union = 32;

    internal byte* Page => page;

    public bool RequestInterruptWindow
    {
        get => page[0] != 0;
        set => page[0] = value ? (byte)1 : (byte)0;
    }

    /// <summary>Set by another thread to make the next (or current, with a signal) KVM_RUN return with EINTR.</summary>
    public bool ImmediateExit
    {
        get => Volatile.Read(ref page[1]) != 0;
        set => Volatile.Write(ref page[1], value ? (byte)1 : (byte)0);
    }

    /// <summary>The address of kvm_run.immediate_exit, which the kick signal's handler sets (<see cref="VcpuKicker"/>).</summary>
    internal byte* ImmediateExitAddress => page + 1;

    public KvmExitReason ExitReason => (KvmExitReason)(*(uint*)(page + 8));

    public bool ReadyForInterruptInjection => page[12] != 0;

    public bool InterruptFlag => page[13] != 0;

    /// <summary>CR8 (the TPR's class) as KVM exchanges it with user space when it has no in-kernel LAPIC: read after every exit, written before every entry.</summary>
    public ulong Cr8
    {
        get => *(ulong*)(page + 16);
        set => *(ulong*)(page + 16) = value;
    }

    // io: direction u8, size u8, port u16, count u32, data_offset u64.
    public bool IoIsOut => page[Union] == 1;

    public int IoSize => page[Union + 1];

    public ushort IoPort => *(ushort*)(page + Union + 2);

    public uint IoCount => *(uint*)(page + Union + 4);

    /// <summary>The port I/O data, <see cref="IoCount"/> items of <see cref="IoSize"/> bytes (KVM's data_offset into this page).</summary>
    public Span<byte> IoData => new(page + *(ulong*)(page + Union + 8), IoSize * (int)IoCount);

    // mmio: phys_addr u64, data[8], len u32, is_write u8.
    public ulong MmioAddress => *(ulong*)(page + Union);

    /// <summary>The MMIO access's data, <see cref="MmioLength"/> bytes of an 8-byte buffer.</summary>
    public Span<byte> MmioData => new(page + Union + 8, Math.Clamp(MmioLength, 1, 8));

    public int MmioLength => (int)*(uint*)(page + Union + 16);

    public bool MmioIsWrite => page[Union + 20] != 0;

    // msr: error u8 (pad 7), reason u32, index u32, data u64.
    public byte MsrError
    {
        get => page[Union];
        set => page[Union] = value;
    }

    public uint MsrIndex => *(uint*)(page + Union + 12);

    public ulong MsrData
    {
        get => *(ulong*)(page + Union + 16);
        set => *(ulong*)(page + Union + 16) = value;
    }

    public uint SystemEventType => *(uint*)(page + Union);

    public uint InternalSuberror => *(uint*)(page + Union);

    public ulong FailEntryReason => *(ulong*)(page + Union);
}
