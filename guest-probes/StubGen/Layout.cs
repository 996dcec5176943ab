namespace Rig.Probes.StubGen;

/// <summary>
/// Where everything of a probe image lives in guest-physical memory. The CPL0 layer is placed at a fixed
/// address by the linker script, so every address it uses is a constant known here at build time: the stub
/// needs no relocations, and its descriptor tables and page tables are ready-made data in the image, so the
/// emulated CPL0 path under kvm_pvm runs only a few dozen instructions per boot.
/// </summary>
public static class Layout
{
    /// <summary>PVH images are loaded at 1 MiB (docs/protocol.md).</summary>
    public const ulong ImageBase = 0x100000;

    // Offsets inside the stub blob.
    public const ulong Entry32Offset = 0x0000;
    public const ulong Ap16Offset = 0x0200;
    public const ulong Code64Offset = 0x0400;
    // 23 KiB of code: suites/cpu's gate, IRETQ and call-gate checks outgrew the 15 KiB before (docs/notes/cpu.md).
    public const ulong Code64Limit = 0x6000;
    public const ulong Pml4Offset = 0x6000;
    public const ulong PdptOffset = 0x7000;
    public const ulong PdOffset = 0x8000; // four page directories: 4 GiB identity-mapped with 2 MiB pages
    public const ulong GdtOffset = 0xC000;
    public const ulong IdtOffset = 0xD000;
    public const ulong TssOffset = 0xE000;
    public const ulong TssStride = 0x80;
    public const ulong DataOffset = 0xF000;
    public const ulong BootInfoOffset = 0xF100;
    public const ulong FixupTableOffset = 0xF400;
    public const ulong StubSize = 0x10000;

    /// <summary>The linker script puts QUAD(C# entry points) here; the stub calls through it.</summary>
    public const ulong EntryTable = ImageBase + StubSize;
    public const ulong XenNote = EntryTable + 0x100;
    /// <summary>The C# object is linked from here on.</summary>
    public const ulong ManagedBase = EntryTable + 0x1000;
    /// <summary>The image must end below this: fixed runtime memory starts here.</summary>
    public const ulong ImageLimit = 0x300000;

    public const int MaxCpus = 16;

    /// <summary>Per vCPU: RSP0 stack, IST1 (NMI), IST2 (#DF), IST3 (#MC), 4 KiB each (SDM 8.14.5 "Interrupt Stack Table").</summary>
    public const ulong KernelStacksBase = 0x300000;
    public const ulong KernelStacksStride = 0x4000;

    /// <summary>
    /// Per vCPU, at the base of its kernel-stack block (below the RSP0 stack, which grows down from +0x1000), the
    /// state of the held NMI/#MC handler (<see cref="HeldEventCode"/>). CPL0 finds it by rounding RSP down to the
    /// block; C# on any vCPU reads and writes it directly (every page is U/S=1): guest-probes/Runtime/HeldEvents.cs.
    /// </summary>
    public const ulong HeldDepthOffset = 0;        // held handlers this vCPU is inside
    public const ulong HeldReleaseOffset = 8;      // nonzero: the outermost held handler returns now
    public const ulong HeldSpinCyclesOffset = 16;  // TSC cycles the outermost handler waits for the release at most
    public const ulong HeldLogCountOffset = 24;    // entries written to the log (may exceed its capacity)
    public const ulong HeldModesOffset = 32;       // one HeldMode byte per exception vector 0..31
    public const ulong HeldLogOffset = 64;         // HeldLogCapacity entries: what | vector << 8 | depth << 16, TSC, RIP, CS
    public const int HeldLogCapacity = 32;
    public const int HeldLogEntrySize = 32;
    public const ulong HeldFaultOffset = HeldLogOffset + HeldLogCapacity * HeldLogEntrySize; // nonzero: the held handler takes this fault (6, 13, 14) once
    public const ulong HeldDeadlineOffset = HeldFaultOffset + 8; // TSC at which the outermost held handler stops waiting
    public const ulong HeldNestedOffset = HeldDeadlineOffset + 8; // arrivals that found this vCPU already inside a held or logged handler
    public const ulong HeldLastDeliveryOffset = HeldNestedOffset + 8; // TSC of the latest arrival logged (the log itself keeps only its first entries)

    /// <summary>Per vCPU 64 KiB CPL3 stacks, aligned so the runtime finds its vCPU index from RSP alone.</summary>
    public const ulong UserStacksBase = 0x400000;
    public const int UserStackShift = 16;

    public const ulong HeapBase = UserStacksBase + ((ulong)MaxCpus << UserStackShift);
    public const ulong HeapEnd = 0x800000;
    public const ulong SampleBase = 0x800000;

    /// <summary>Where the BSP copies the 16-bit AP start code: a SIPI vector names a 4 KiB page below 1 MiB (SDM 10.4.4.1 / 11.4.4.1).</summary>
    public const ulong ApStartPage = 0x8000;

    public static ulong Address(ulong offset) => ImageBase + offset;
}
