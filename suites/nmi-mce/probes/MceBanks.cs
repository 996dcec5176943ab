using Rig.Guest;
using Rig.Suites.NmiMce.Records;

/// <summary>
/// nmi-mce.mce-banks, guest side, on one vCPU. Reads IA32_MCG_CAP (bank count, MCG_CTL_P), writes 0 and then all ones
/// to every bank's IA32_MCi_CTL and reads each back, reads the first MSR past the last bank (which must not exist), then
/// asks the host for a corrected error in bank 2 and an uncorrected one in the last bank (COM2 `mce` with bank, status,
/// addr, misc) and reads the bank's STATUS, ADDR and MISC back, counting the #MCs its CPL0 handler logged, then clears
/// STATUS with a write of 0. Everything goes to COM1 as `RIG mcg`, `RIG mce-ctl`, `RIG mce-beyond`, `RIG mce-bank`
/// records; the host's oracle (Oracles/MceBankRules.cs) compares them with what was sent.
/// </summary>
public static unsafe class Probe
{
    public const string Name = "mce-banks";

    private const uint McgCap = 0x179, McgCtl = 0x17B, Mc0Ctl = 0x400;
    private const ulong McgCtlPresent = 1UL << 8;
    private const ulong AllOnes = 0xFFFF_FFFF_FFFF_FFFF;

    // SDM Vol. 3B 16.3.2.2 IA32_MCi_STATUS: VAL 63, OVER 62, UC 61, EN 60, MISCV 59, ADDRV 58; MCA error code in 15:0.
    private const ulong Corrected = 0x8C00_0000_0000_0090;
    private const ulong Uncorrected = 0xBC00_0000_0000_0134;

    public static void Main()
    {
        if (!Msr.TryRead(McgCap, out ulong cap))
        {
            Report.Skip(Name, "no-mcg-cap");
            return;
        }
        ulong banks = cap & 0xFF;
        Line line = default;
        line.Text("RIG ");
        line.Text(McgCapRecord.Kind);
        line.HexField(McgCapRecord.Cap, cap);
        line.Field(McgCapRecord.Banks, banks);
        Console.Write(ref line);
        if ((cap & McgCtlPresent) != 0)
        {
            Msr.TryWrite(McgCtl, AllOnes);
        }
        for (ulong bank = 0; bank < banks; bank++)
        {
            CheckControl(bank);
        }
        Line beyond = default;
        beyond.Text("RIG ");
        beyond.Text(MceBeyondRecord.Kind);
        beyond.Field(MceBeyondRecord.Bank, banks);
        bool readable = Msr.TryRead(Mc0Ctl + 4 * (uint)banks, out ulong value);
        beyond.Field(MceBeyondRecord.Gp, readable ? 0UL : 1UL);
        beyond.HexField(MceBeyondRecord.Value, value);
        Console.Write(ref beyond);
        if (banks < 3)
        {
            return;
        }
        HeldEvents.LogOnly(0, MachineCheck.Vector);
        Inject(2, Corrected, 0x1234_5000, 0x86, 0);
        Inject(banks - 1, Uncorrected, 0x7654_3000, 0x8C, 0x5);
        HeldEvents.Normal(0, MachineCheck.Vector);
    }

    /// <summary>0, then all ones, to IA32_MCi_CTL, each read back; left all ones so uncorrected errors are reported (16.3.2.1).</summary>
    private static void CheckControl(ulong bank)
    {
        uint ctl = Mc0Ctl + 4 * (uint)bank;
        Line line = default;
        line.Text("RIG ");
        line.Text(MceControlRecord.Kind);
        line.Field(MceControlRecord.Bank, bank);
        line.Field(MceControlRecord.WriteZeroOk, Msr.TryWrite(ctl, 0) ? 1UL : 0UL);
        Msr.TryRead(ctl, out ulong zero);
        line.HexField(MceControlRecord.ReadZero, zero);
        line.Field(MceControlRecord.WriteOnesOk, Msr.TryWrite(ctl, AllOnes) ? 1UL : 0UL);
        Msr.TryRead(ctl, out ulong ones);
        line.HexField(MceControlRecord.ReadOnes, ones);
        Console.Write(ref line);
    }

    private static void Inject(ulong bank, ulong status, ulong addr, ulong misc, ulong mcg)
    {
        uint statusMsr = Mc0Ctl + 4 * (uint)bank + 1;
        ulong logged = HeldEvents.Count(0);
        Line request = default;
        request.Text(HostAction.Mce);
        request.Field(HostAction.MceBank, bank);
        request.HexField(HostAction.MceStatus, status);
        request.HexField(HostAction.MceMcgStatus, mcg);
        request.HexField(HostAction.MceAddress, addr);
        request.HexField(HostAction.MceMisc, misc);
        Acknowledgement ack = Control.Request(ref request, Control.AnswerBoundUs);
        // An uncorrected error raises #MC (16.3.1.2); a corrected one only fills the bank: wait the same for both.
        HeldEvents.WaitBeyond(0, logged, 200_000);
        Line line = default;
        line.Text("RIG ");
        line.Text(MceBankRecord.Kind);
        line.Field(MceBankRecord.Bank, bank);
        line.Field(MceBankRecord.Ack, (ulong)ack);
        line.HexField(MceBankRecord.SentStatus, status);
        line.HexField(MceBankRecord.SentAddr, addr);
        line.HexField(MceBankRecord.SentMisc, misc);
        Msr.TryRead(statusMsr, out ulong readStatus);
        Msr.TryRead(statusMsr + 1, out ulong readAddr);
        Msr.TryRead(statusMsr + 2, out ulong readMisc);
        line.HexField(MceBankRecord.Status, readStatus);
        line.HexField(MceBankRecord.Addr, readAddr);
        line.HexField(MceBankRecord.Misc, readMisc);
        line.Field(MceBankRecord.MachineChecks, HeldEvents.Count(0) - logged);
        Msr.TryWrite(statusMsr, 0);
        Msr.TryRead(statusMsr, out ulong cleared);
        line.HexField(MceBankRecord.Cleared, cleared);
        Console.Write(ref line);
    }
}
