namespace Rig.Suites.NmiMce.Records;

/// <summary>
/// `RIG mce-bank bank= ack= sent_status= sent_addr= sent_misc= status= addr= misc= machine_checks= cleared=`: one bank's injected and read-back STATUS/ADDR/MISC and the machine checks it raised (probes/MceBanks.cs), judged by Oracles/MceBankRules.cs.
/// Compiled into the probes and the cases (the suite's ProbeSupport), so a field renamed on one side fails the build, not a run.
/// </summary>
public static class MceBankRecord
{
    public const string Kind = "mce-bank";
    public const string Bank = "bank";
    public const string Ack = "ack";
    public const string SentStatus = "sent_status";
    public const string SentAddr = "sent_addr";
    public const string SentMisc = "sent_misc";
    public const string Status = "status";
    public const string Addr = "addr";
    public const string Misc = "misc";
    public const string MachineChecks = "machine_checks";
    public const string Cleared = "cleared";
}
