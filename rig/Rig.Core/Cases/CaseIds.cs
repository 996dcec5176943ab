namespace Rig.Cases;

/// <summary>
/// A case has two spellings: its name, as the store keeps it under its suite (timer-after-reboot in apic), and its id,
/// as its probe prints it in every record (apic.timer-after-reboot, the probe's generated ThisCase.Id). A part of a
/// case extends either with <c>.part</c> (apic.reset-state.cf9). A record's case must be matched against both.
/// </summary>
public static class CaseIds
{
    /// <summary>Whether <paramref name="recordCase"/> names the case itself, not one of its parts.</summary>
    public static bool Names(string? recordCase, string suite, string caseName) =>
        recordCase is not null && (recordCase == caseName || recordCase == Id(suite, caseName));

    /// <summary>Whether <paramref name="recordCase"/> names the case or one of its parts.</summary>
    public static bool NamesOrPart(string? recordCase, string suite, string caseName) =>
        recordCase is not null && (IsOrUnder(recordCase, caseName) || IsOrUnder(recordCase, Id(suite, caseName)));

    private static string Id(string suite, string caseName) => $"{suite}.{caseName}";

    private static bool IsOrUnder(string name, string root) => name == root || name.StartsWith(root + ".", StringComparison.Ordinal);
}
