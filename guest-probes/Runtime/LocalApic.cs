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
    public const uint RegVersion = 0x30;
    public const uint RegTpr = 0x80;
    public const uint RegPpr = 0xA0;
    public const uint RegEoi = 0xB0;
    public const uint RegLdr = 0xD0;
    public const uint RegDfr = 0xE0;
    public const uint RegSvr = 0xF0;
    public const uint RegIsr = 0x100;
    public const uint RegTmr = 0x180;
    public const uint RegIrr = 0x200;
    public const uint RegEsr = 0x280;
    public const uint RegIcrLow = 0x300;
    public const uint RegIcrHigh = 0x310;
    public const uint RegLvtTimer = 0x320;
    public const uint RegLvtThermal = 0x330;
    public const uint RegLvtPmc = 0x340;
    public const uint RegLvtLint0 = 0x350;
    public const uint RegLvtLint1 = 0x360;
    public const uint RegLvtError = 0x370;
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
        if (!Attach() || !Msr.TryRead(BaseMsr, out ulong apicBase) || !Msr.TryWrite(BaseMsr, apicBase | 0x800))
        {
            return false;
        }
        Write(RegSvr, 0x100 | Events.SpuriousVector);
        InterfaceUse.Mark(IsX2Apic ? TargetInterface.X2apic : TargetInterface.Xapic);
        return true;
    }

    /// <summary>
    /// Finds this vCPU's APIC (base and mode from IA32_APIC_BASE) without changing it, so a probe can read the
    /// state a reset left (SDM 12.4.7.1) before anything is enabled.
    /// </summary>
    public static bool Attach()
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
        x2apicMode[Cpu.Index] = (byte)((apicBase & 0x400) != 0 ? 1 : 0);
        return true;
    }

    /// <summary>
    /// xAPIC → x2APIC by setting EXTD alone (SDM 12.12.5), leaving every other register as it is. The mode is marked
    /// before the WRMSR: an interrupt pending while the gate ran (IF clear) is taken as soon as the gate returns, and
    /// its EOI must reach the x2APIC EOI MSR, since in x2APIC mode the xAPIC page is not decoded (SDM 12.12.2) and an
    /// EOI written there is lost, leaving the vector in service (on Xen the x2APIC timer then delivered 0 of 20).
    /// An interrupt taken before the WRMSR finds the x2APIC MSRs still raising #GP (SDM 12.12.1.3) and
    /// <see cref="EndOfInterrupt"/> falls back to the page.
    /// </summary>
    public static bool SwitchToX2Apic()
    {
        if (!X2ApicSupported || !Msr.TryRead(BaseMsr, out ulong apicBase))
        {
            return false;
        }
        x2apicMode[Cpu.Index] = 1;
        if (!Msr.TryWrite(BaseMsr, apicBase | 0xC00))
        {
            x2apicMode[Cpu.Index] = 0;
            return false;
        }
        InterfaceUse.Mark(TargetInterface.X2apic);
        return true;
    }

    /// <summary>xAPIC → x2APIC (EXTD, SDM 12.12.5: allowed from the xAPIC-enabled state).</summary>
    public static bool EnableX2Apic()
    {
        if (!SwitchToX2Apic())
        {
            return false;
        }
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
        return Mmio.Read32(mmioBase + reg);
    }

    public static void Write(uint reg, uint value)
    {
        if (IsX2Apic)
        {
            Msr.TryWrite(0x800 + (reg >> 4), value);
        }
        else
        {
            Mmio.Write32(mmioBase + reg, value);
        }
    }

    /// <summary>xAPIC ID is in bits 31:24; the x2APIC ID register holds all 32 bits (SDM 12.12.5.1).</summary>
    public static uint Id => IsX2Apic ? Read(RegId) : Read(RegId) >> 24;

    /// <summary>EOI in the mode the APIC is in, also while <see cref="SwitchToX2Apic"/> is between its mark and its WRMSR.</summary>
    public static void EndOfInterrupt()
    {
        if (x2apicMode == null)
        {
            return;
        }
        if (!IsX2Apic || !Msr.TryWrite(0x800 + (RegEoi >> 4), 0))
        {
            Mmio.Write32(mmioBase + RegEoi, 0);
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

    /// <summary>A fixed self-IPI (SDM 12.6.1: shorthand "self"; x2APIC has the SELF IPI register, 12.12.11).</summary>
    public static void SendSelfIpi(int vector)
    {
        if (IsX2Apic)
        {
            Msr.TryWrite(0x83F, (uint)vector);
            return;
        }
        Write(RegIcrLow, 1u << 18 | (uint)vector);
    }

    /// <summary>The whole ICR: two registers in xAPIC mode, one 64-bit MSR in x2APIC mode (SDM 12.12.9).</summary>
    public static ulong ReadIcr()
    {
        if (IsX2Apic)
        {
            Msr.TryRead(0x830, out ulong icr);
            return icr;
        }
        return (ulong)Read(RegIcrHigh) << 32 | Read(RegIcrLow);
    }

    /// <summary>
    /// A 256-bit vector register (ISR, TMR or IRR: eight 32-bit registers from <paramref name="firstReg"/>) as
    /// `key=0x` and 64 hex digits, vector 255 first, the form the host's oracles read (docs/protocol.md).
    /// </summary>
    public static void VectorField(ref Line line, string key, uint firstReg)
    {
        line.Byte((byte)' ');
        line.Text(key);
        line.Text("=0x");
        for (int i = 7; i >= 0; i--)
        {
            uint bits = Read(firstReg + (uint)i * 0x10);
            for (int shift = 28; shift >= 0; shift -= 4)
            {
                uint nibble = bits >> shift & 0xF;
                line.Byte((byte)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10));
            }
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
        InterfaceUse.Mark(TargetInterface.TscDeadline);
        return Msr.TryWrite(TscDeadlineMsr, deadline);
    }

    public static void StopTimer()
    {
        Write(RegLvtTimer, 1u << 16);
        Write(RegTimerInitial, 0);
        Msr.TryWrite(TscDeadlineMsr, 0);
    }
}
