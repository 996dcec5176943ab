namespace Rig.Suites.Evtchn.Records;

/// <summary>
/// `RIG evcount role=R port= handled= [host_ns=|sent=|tail_writes=]`: how often the guest handled one port's events
/// (probes/NoLostEvents.cs), counted against what was sent. Compiled into the probes and the cases (the suite's ProbeSupport).
/// </summary>
public static class EventCountRecord
{
    public const string Kind = "evcount";
    public const string Role = "role";
    public const string Port = "port";
    public const string Handled = "handled";

    /// <summary>For the host and VIRQ bursts: the host's time for the burst (its ack's ns).</summary>
    public const string HostNs = "host_ns";

    /// <summary>For the IPIs: how many the guest sent.</summary>
    public const string Sent = "sent";

    /// <summary>For the forced race's tail port: the guest's writes to the tail word.</summary>
    public const string TailWrites = "tail_writes";

    public const string HostRole = "host";
    public const string VirqRole = "virq";
    public const string IpiRole = "ipi";
    public const string RaceTailRole = "race-tail";
    public const string RaceNextRole = "race-next";
}
