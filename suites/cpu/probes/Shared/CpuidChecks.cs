using System.Runtime.CompilerServices;

namespace Rig.Guest;

/// <summary>
/// CPUID is one machine's description: every vCPU must read the same leaves except the fields that name the vCPU (its APIC
/// ID) or mirror its own control registers (SDM Vol. 2A CPUID; Vol. 3A 9.4.3 / 10.4.3 on the initial APIC ID), and CPUID
/// is not privileged, so CPL3 must read what CPL0 reads (SDM Vol. 2A CPUID: "This instruction operates the same in
/// non-64-bit modes and 64-bit mode"; only CPUID faulting, which the guest never enables, treats CPL3 differently).
/// cpuid-vcpus reads the table at CPL0 on every vCPU (Team), cpuid-cpl3 at CPL3 and CPL0 on the BSP; each reports every
/// register that differs, then a summary.
/// </summary>
public static unsafe class CpuidChecks
{
    private const int MaxEntries = 96;

    /// <summary>One table per vCPU: (leaf, subleaf, EAX, EBX, ECX, EDX) per entry, masked (<see cref="Mask"/>).</summary>
    private static uint* tables;
    private static int entries;

    public static bool Run()
    {
        if (CommandLine.Is("check", "cpuid-vcpus"))
        {
            AcrossVcpus();
        }
        else if (CommandLine.Is("check", "cpuid-cpl3"))
        {
            Cpl3AgainstCpl0();
        }
        else
        {
            return false;
        }
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AcrossVcpus()
    {
        int vcpus = Acpi.CpuCount();
        tables = (uint*)Heap.Allocate((ulong)(TableWords(vcpus) * sizeof(uint)));
        if (!Team.Run("cpu", &Work))
        {
            return;
        }
        ulong differing = 0;
        for (int cpu = 1; cpu < Team.Size; cpu++)
        {
            differing += Compare("cpuid-vcpus", tables, tables + cpu * MaxEntries * 6, (ulong)cpu);
        }
        Summary("cpuid-vcpus", differing, (ulong)Team.Size);
    }

    private static int TableWords(int vcpus) => vcpus * MaxEntries * 6;

    private static void Work(int cpu)
    {
        int n = Read(tables + cpu * MaxEntries * 6, atCpl3: false);
        if (cpu == 0)
        {
            entries = n;
        }
        Team.Sync(30_000_000);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Cpl3AgainstCpl0()
    {
        tables = (uint*)Heap.Allocate((ulong)(TableWords(2) * sizeof(uint)));
        entries = Read(tables, atCpl3: false);
        Read(tables + MaxEntries * 6, atCpl3: true);
        Summary("cpuid-cpl3", Compare("cpuid-cpl3", tables, tables + MaxEntries * 6, 0), 1);
    }

    /// <summary>Basic leaves up to 0x20 (subleaf 0, and the subleaves of 4, 7, 0xB, 0xD that exist everywhere), 0x40000000–1, 0x80000000 up to 0x80000021.</summary>
    private static int Read(uint* table, bool atCpl3)
    {
        int n = 0;
        uint basic = Cpu.MaxLeaf, extended = Cpu.Cpuid(0x80000000).Eax;
        for (uint leaf = 0; leaf <= basic && leaf <= 0x20; leaf++)
        {
            Entry(table, ref n, leaf, 0, atCpl3);
            if (leaf is 4 or 7 or 0xB or 0xD)
            {
                Entry(table, ref n, leaf, 1, atCpl3);
            }
        }
        Entry(table, ref n, 0x40000000, 0, atCpl3);
        Entry(table, ref n, 0x40000001, 0, atCpl3);
        for (uint leaf = 0x80000000; leaf <= extended && leaf <= 0x80000021; leaf++)
        {
            Entry(table, ref n, leaf, 0, atCpl3);
        }
        return n;
    }

    private static void Entry(uint* table, ref int n, uint leaf, uint subleaf, bool atCpl3)
    {
        if (n >= MaxEntries)
        {
            return;
        }
        Cpu.CpuidResult r = atCpl3 ? Cpu.CpuidAtCpl3(leaf, subleaf) : Cpu.Cpuid(leaf, subleaf);
        uint* e = table + n * 6;
        e[0] = leaf;
        e[1] = subleaf;
        e[2] = r.Eax & Mask(leaf, 0);
        e[3] = r.Ebx & Mask(leaf, 1);
        e[4] = r.Ecx & Mask(leaf, 2);
        e[5] = r.Edx & Mask(leaf, 3);
        n++;
    }

    /// <summary>
    /// What is allowed to differ, cleared: leaf 1 EBX[31:24] (initial APIC ID) and ECX[27] (OSXSAVE, a copy of CR4.OSXSAVE);
    /// leaf 7 ECX[4] (OSPKE, CR4.PKE); leaves 0xB and 0x1F EDX (x2APIC ID); leaf 0xD EBX (the XSAVE area XCR0 currently needs);
    /// AMD's 0x8000001E EAX (extended APIC ID), EBX[7:0] (core ID) and ECX[7:0] (node ID) (AMD APM Vol. 3 E.4.16).
    /// </summary>
    private static uint Mask(uint leaf, int register) => leaf switch
    {
        1 => register == 1 ? 0x00FF_FFFFu : register == 2 ? ~(1u << 27) : 0xFFFF_FFFFu,
        7 => register == 2 ? ~(1u << 4) : 0xFFFF_FFFFu,
        0xB or 0x1F => register == 3 ? 0u : 0xFFFF_FFFFu,
        0xD => register == 1 ? 0u : 0xFFFF_FFFFu,
        0x8000001E => register == 0 ? 0u : register is 1 or 2 ? 0xFFFF_FF00u : 0xFFFF_FFFFu,
        _ => 0xFFFF_FFFFu,
    };

    private static ulong Compare(string check, uint* reference, uint* other, ulong cpu)
    {
        ulong differing = 0;
        for (int i = 0; i < entries; i++)
        {
            uint* a = reference + i * 6, b = other + i * 6;
            for (int register = 0; register < 4; register++)
            {
                if (a[2 + register] != b[2 + register] || a[0] != b[0] || a[1] != b[1])
                {
                    differing++;
                    Difference(check, cpu, a[0], a[1], register, a[2 + register], b[2 + register]);
                }
            }
        }
        return differing;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Difference(string check, ulong cpu, uint leaf, uint subleaf, int register, uint expected, uint seen)
    {
        Line line = CheckRecord.Start(check, "differs", seen, 0);
        line.Field("cpu", cpu);
        line.HexField("leaf", leaf);
        line.HexField("subleaf", subleaf);
        line.TextField("register", register switch { 0 => "eax", 1 => "ebx", 2 => "ecx", _ => "edx" });
        line.HexField("reference", expected);
        Console.Write(ref line);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Summary(string check, ulong differing, ulong vcpus)
    {
        Line line = CheckRecord.Start(check, "summary", differing, 0);
        line.Field("vcpus", vcpus);
        line.Field("entries", (ulong)entries);
        Console.Write(ref line);
    }
}
