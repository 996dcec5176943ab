namespace Rig.Suites.Evtchn.Records;

/// <summary>
/// `RIG evcheck check=NAME got=VALUE`: one result of the FIFO ABI (probes/FifoAbi.cs) that Oracles/FifoAbiRules.cs
/// compares with Xen's public/event_channel.h. Compiled into the probes and the cases (the suite's ProbeSupport).
/// </summary>
public static class AbiCheckRecord
{
    public const string Kind = "evcheck";
    public const string Check = "check";
    public const string Got = "got";
}
