using Rig.Guest;

/// <summary>
/// The ways a probe of this suite resets the machine, in turn by boot: the host's QMP system_reset (asked
/// over COM2), the reset control register at 0xCF9 (ICH/PIIX: bit 2 starts the reset, bit 1 makes it hard),
/// and the 8042 keyboard controller's pulse-reset command 0xFE. Which one really happened is kept in CMOS
/// (it survives the reset), so the next boot names it truthfully; a way the target lacks is reported as
/// skip once, remembered in CMOS, and the host's reset is used instead from then on, so the run goes on.
/// </summary>
public static class ResetKind
{
    public const int Count = 3;
    private const byte CmosSlot = 0x7D;
    private const byte CmosNoEffect = 0x77; // bit per kind that did nothing on this target
    private const ulong NoEffectWaitUs = 2_000_000;

    public static string Name(int kind) => kind switch { 0 => "system_reset", 1 => "cf9", _ => "kbd" };

    /// <summary>The reset that ended the previous boot, as recorded before it happened.</summary>
    public static string Previous() => Name(Cmos.Read(CmosSlot));

    public static void Perform(int boot, string probe)
    {
        if (boot < 1)
        {
            // The runtime's CMOS boot counter did not stick: without NVRAM no boot could tell what came before it.
            Line error = Report.Start(Verdict.Error, probe);
            error.TextField("cmos", "boot-counter-not-kept");
            Report.Emit(ref error);
            Runtime.Exit(2);
        }
        int kind = (boot - 1) % Count;
        if ((Cmos.Read(CmosNoEffect) >> kind & 1) != 0)
        {
            HostReset(probe);
        }
        Cmos.Write(CmosSlot, (byte)kind);
        if (kind == 1)
        {
            Ports.Out8(0xCF9, 0x02);
            Ports.Out8(0xCF9, 0x06);
        }
        else if (kind == 2)
        {
            Ports.Out8(0x64, 0xFE);
        }
        if (kind != 0)
        {
            Tsc.Wait(NoEffectWaitUs);
            Cmos.Write(CmosNoEffect, (byte)(Cmos.Read(CmosNoEffect) | 1 << kind));
            Line skip = Report.Start(Verdict.Skip, probe);
            skip.Byte((byte)'.');
            skip.Text(Name(kind));
            skip.TextField("reason", "reset-had-no-effect");
            Report.Emit(ref skip);
        }
        HostReset(probe);
    }

    /// <summary>
    /// The host's reset, waited for as long as the host may take to answer (docs/protocol.md host-answer-s=): a reset
    /// that works never returns, and a refusal through a slow control plane arrives late (xl through dom0 on
    /// xen-tcg-hvm took more than the 2 s this waited before, which read as "no-effect"). A target that cannot reset
    /// the guest refuses: then there is nothing to judge, and the whole case is a skip.
    /// </summary>
    private static void HostReset(string probe)
    {
        Cmos.Write(CmosSlot, 0);
        Acknowledgement ack = Control.Request(HostAction.Reset, Control.AnswerBoundUs);
        if (ack == Acknowledgement.Error)
        {
            Report.Skip(probe, "host-cannot-reset");
            Runtime.Exit(Report.ExitStatus);
        }
        Line line = Report.Start(Verdict.Error, probe);
        line.TextField("host_reset", "no-effect");
        Report.Emit(ref line);
        Runtime.Exit(2);
    }
}
