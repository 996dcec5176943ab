namespace Rig.Cli;

/// <summary>As test runners do: a failing case is a finding (1), not a rig error (2).</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int CasesFailedOrRegressed = 1;
    public const int RigError = 2;
}
