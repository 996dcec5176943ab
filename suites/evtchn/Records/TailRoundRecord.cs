namespace Rig.Suites.Evtchn.Records;

/// <summary>
/// `RIG evround writes=hostile|allowed next_handled= send_ns= tail_writes= [own_handled= own_send_ns=]`: one round of
/// probes/HostileTailUnmask.cs, judged by Oracles/HostileRounds.cs. Compiled into the probes and the cases (the suite's ProbeSupport).
/// </summary>
public static class TailRoundRecord
{
    public const string Kind = "evround";
    public const string Writes = "writes";
    public const string NextHandled = "next_handled";
    public const string SendNs = "send_ns";
    public const string TailWrites = "tail_writes";
    public const string OwnHandled = "own_handled";
    public const string OwnSendNs = "own_send_ns";

    /// <summary>writes=: the guest wrote the tail word only as the ABI allows (draft G+), or against it.</summary>
    public const string Allowed = "allowed";
    public const string Hostile = "hostile";

    /// <summary>The probe's skip reason when the target cannot park set_link for the forced race.</summary>
    public const string ForcedLinkRaceRefused = "forced-link-race-refused";

    /// <summary>send_ns= of a send whose ack never came (a stalled sender).</summary>
    public const ulong StalledSendNs = 0xFFFF_FFFF_FFFF_FFFF;
}
