namespace Rig.Suites.Evtchn.Records;

/// <summary>
/// The COM2 requests by which a probe asks the host to play the other domain (probes/Shared/Backend.cs →
/// EvtchnHostActions.cs → rig-hv's x-rig-evtchn-*), their fields, and the ack's field. Compiled into the probes and the
/// cases (the suite's ProbeSupport), so a request renamed on one side fails the build, not a run.
/// </summary>
public static class BackendRequest
{
    /// <summary>`evtchn-bind port=`: the host binds its end of an interdomain channel to the guest's unbound port.</summary>
    public const string Bind = "evtchn-bind";

    /// <summary>`evtchn-send port= count=`: the host sends count times; acked with ns=.</summary>
    public const string Send = "evtchn-send";

    /// <summary>`evtchn-virq virq= vcpu= count=`: the hypervisor raises a VIRQ count times; acked with ns=.</summary>
    public const string Virq = "evtchn-virq";

    /// <summary>`evtchn-race port= mailbox=`: the host's set_link on the tail waits for the guest's write (seed 003's race, forced).</summary>
    public const string Race = "evtchn-race";

    /// <summary>`evtchn-stats`: the host keeps the hypervisor's counts for the case (the VM is gone when it judges).</summary>
    public const string Stats = "evtchn-stats";

    public const string Port = "port";
    public const string Count = "count";
    public const string VirqNumber = "virq";
    public const string Vcpu = "vcpu";
    public const string Mailbox = "mailbox";

    /// <summary>The ack's field: how long the hypervisor took to raise the whole burst, in ns.</summary>
    public const string AckNs = "ns";
}
