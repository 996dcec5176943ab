namespace Rig.Guest;

/// <summary>
/// The local APIC in xAPIC (MMIO, usable from CPL3 because all pages are user pages) or x2APIC mode (MSRs
/// 0x800 + reg/16 through the gate). SDM chapter 12 (11 in older editions): register offsets 12-1, LVT timer
/// modes 12.5.4, x2APIC 12.12. The mode is per vCPU.
/// </summary>
public static unsafe class LocalApic
{
    public const uint BaseMsr = 0x1B;
    public const uint TscDeadlineMsr = 0x6E0;
    public const uint RegId = 0x20;
    public const uint RegTpr = 0x80;
    public const uint RegPpr = 0xA0;
    public const uint RegEoi = 0xB0;
    public const uint RegSvr = 0xF0;
    public const uint RegIsr = 0x100;
    public const uint RegIrr = 0x200;
    public const uint RegIcrLow = 0x300;
    public const uint RegIcrHigh = 0x310;
    public const uint RegLvtTimer = 0x320;
    public const uint RegTimerInitial = 0x380;
    public const uint RegTimerCurrent = 0x390;
    public const uint RegTimerDivide = 0x3E0;

    public const uint DeliveryNmi = 0x400;
    public const uint DeliveryInit = 0x500;
    public const uint DeliveryStartup = 0x600;
    public const uint LevelAssert = 0x4000;

    private static ulong mmioBase;
    private static byte* x2apicMode;

    public static bool X2ApicSupported => Cpu.HasFeature1Ecx(21);

    public static bool TscDeadlineSupported => Cpu.HasFeature1Ecx(24);

    public static bool IsX2Apic => x2apicMode != null && x2apicMode[Cpu.Index] != 0;

    /// <summary>Software-enables this vCPU's APIC in xAPIC mode (or keeps x2APIC if already on) with spurious vector 0xFF.</summary>
    public static bool Enable()
    {
        if (x2apicMode == null)
        {
            x2apicMode = (byte*)Heap.Allocate(Runtime.Boot->MaxCpus);
        }
        if (!Msr.TryRead(BaseMsr, out ulong apicBase))
        {
            return false;
        }
        mmioBase = apicBase & 0xFFFFFF000;
        if (!Msr.TryWrite(BaseMsr, apicBase | 0x800))
        {
            return false;
        }
        x2apicMode[Cpu.Index] = (byte)((apicBase & 0x400) != 0 ? 1 : 0);
        Write(RegSvr, 0x100 | Events.SpuriousVector);
        return true;
    }

    /// <summary>xAPIC → x2APIC (EXTD, SDM 12.12.5: allowed from the xAPIC-enabled state).</summary>
    public static bool EnableX2Apic()
    {
        if (!X2ApicSupported || !Msr.TryRead(BaseMsr, out ulong apicBase) || !Msr.TryWrite(BaseMsr, apicBase | 0xC00))
        {
            return false;
        }
        x2apicMode[Cpu.Index] = 1;
        Write(RegSvr, 0x100 | Events.SpuriousVector);
        return true;
    }

    public static uint Read(uint reg)
    {
        if (IsX2Apic)
        {
            Msr.TryRead(0x800 + (reg >> 4), out ulong value);
            return (uint)value;
        }
        return *(uint*)(mmioBase + reg);
    }

    public static void Write(uint reg, uint value)
    {
        if (IsX2Apic)
        {
            Msr.TryWrite(0x800 + (reg >> 4), value);
        }
        else
        {
            *(uint*)(mmioBase + reg) = value;
        }
    }

    /// <summary>xAPIC ID is in bits 31:24; the x2APIC ID register holds all 32 bits (SDM 12.12.5.1).</summary>
    public static uint Id => IsX2Apic ? Read(RegId) : Read(RegId) >> 24;

    public static void EndOfInterrupt()
    {
        if (x2apicMode != null)
        {
            Write(RegEoi, 0);
        }
    }

    /// <summary>IPI to one APIC ID, physical destination, no shorthand (SDM 12.6.1).</summary>
    public static void SendIpi(uint destination, uint command)
    {
        if (IsX2Apic)
        {
            Msr.TryWrite(0x830, (ulong)destination << 32 | command);
            return;
        }
        Write(RegIcrHigh, destination << 24);
        Write(RegIcrLow, command);
        ulong deadline = Tsc.Deadline(10_000);
        while ((Read(RegIcrLow) & 0x1000) != 0 && Cpu.Rdtsc() < deadline)
        {
            Cpu.Pause();
        }
    }

    /// <summary>LVT timer modes (SDM 12.5.4): 0 one-shot, 1 periodic, 2 TSC-deadline; divide by 1.</summary>
    public static void StartTimer(int vector, uint mode, uint initialCount)
    {
        Write(RegTimerDivide, 0xB);
        Write(RegLvtTimer, (uint)vector | mode << 17);
        Write(RegTimerInitial, initialCount);
    }

    /// <summary>TSC-deadline mode: LVT first, then the deadline MSR arms it (SDM 12.5.4.1).</summary>
    public static bool StartTscDeadline(int vector, ulong deadline)
    {
        Write(RegLvtTimer, (uint)vector | 2u << 17);
        return Msr.TryWrite(TscDeadlineMsr, deadline);
    }

    public static void StopTimer()
    {
        Write(RegLvtTimer, 1u << 16);
        Write(RegTimerInitial, 0);
        Msr.TryWrite(TscDeadlineMsr, 0);
    }
}
