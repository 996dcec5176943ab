namespace Rig.Guest;

/// <summary>
/// TSC frequency and TSC-based waits. The frequency comes from the first source that has it: CPUID 0x15
/// (crystal ratio, SDM Vol. 2A CPUID), CPUID 0x16 (base MHz), the hypervisor timing leaf 0x40000010 (EAX =
/// TSC kHz), kvmclock's scale, Xen's time leaf (base+3 subleaf 0, ECX = TSC kHz, public/arch-x86/cpuid.h: a PVH guest
/// has no PIT), and last a PIT channel-2 calibration. Computed on first use.
/// </summary>
public static unsafe class Tsc
{
    private static ulong hz;
    private static int source;

    public static ulong Hz
    {
        get
        {
            if (hz == 0)
            {
                Determine();
            }
            return hz;
        }
    }

    /// <summary>Where <see cref="Hz"/> came from: cpuid15, cpuid16, hv-leaf, kvmclock, xen-leaf or pit.</summary>
    public static string Source => Hz == 0 ? "none" : source switch { 1 => "cpuid15", 2 => "cpuid16", 3 => "hv-leaf", 4 => "kvmclock", 6 => "xen-leaf", _ => "pit" };

    public static ulong Now => Native.Rdtsc();

    public static ulong Cycles(ulong microseconds) => microseconds * (Hz / 1000) / 1000;

    public static ulong Microseconds(ulong cycles) => cycles / (Hz / 1_000_000);

    public static ulong Nanoseconds(ulong cycles) => cycles * 1000 / (Hz / 1_000_000);

    /// <summary>Every source failed: waits and conversions would divide by zero, so the runtime stops with an error.</summary>
    private static void RequireFrequency()
    {
        if (hz < 1_000_000)
        {
            Runtime.Fatal("no-tsc-frequency");
        }
    }

    public static ulong Deadline(ulong microseconds) => Native.Rdtsc() + Cycles(microseconds);

    public static void Wait(ulong microseconds)
    {
        ulong end = Deadline(microseconds);
        while (Native.Rdtsc() < end)
        {
            Native.Pause();
        }
    }

    private static void Determine()
    {
        uint maxLeaf = Cpu.MaxLeaf;
        if (maxLeaf >= 0x15)
        {
            Cpu.CpuidResult r = Cpu.Cpuid(0x15);
            if (r.Eax != 0 && r.Ebx != 0 && r.Ecx != 0)
            {
                Set((ulong)r.Ecx * r.Ebx / r.Eax, 1);
                return;
            }
        }
        if (maxLeaf >= 0x16 && (Cpu.Cpuid(0x16).Eax & 0xFFFF) != 0)
        {
            Set((ulong)(Cpu.Cpuid(0x16).Eax & 0xFFFF) * 1_000_000, 2);
            return;
        }
        if (Hypervisor.MaxLeaf >= 0x40000010 && Cpu.Cpuid(0x40000010).Eax != 0)
        {
            Set((ulong)Cpu.Cpuid(0x40000010).Eax * 1000, 3);
            return;
        }
        ulong fromPvClock = PvClock.TscHz();
        if (fromPvClock != 0)
        {
            Set(fromPvClock, 4);
            return;
        }
        uint xen = XenTime.BaseLeaf;
        if (xen != 0 && Cpu.Cpuid(xen + 3, 0).Ecx != 0)
        {
            Set((ulong)Cpu.Cpuid(xen + 3, 0).Ecx * 1000, 6);
            return;
        }
        Set(Pit.CalibrateTsc(), 5);
        RequireFrequency();
    }

    private static void Set(ulong frequency, int from)
    {
        source = from;
        hz = frequency;
    }
}
