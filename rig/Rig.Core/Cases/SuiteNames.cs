namespace Rig.Cases;

/// <summary>
/// The convention tying a suite to its assembly: suites/&lt;area&gt;/Rig.Suites.&lt;Area&gt;.csproj builds
/// Rig.Suites.&lt;Area&gt;.dll, and the suite is the area in kebab case (Apic → apic, NmiMce → nmi-mce).
/// </summary>
public static class SuiteNames
{
    public const string AssemblyPrefix = "Rig.Suites.";

    /// <summary>Null for an assembly that is not a suite (including the xunit project Rig.Suites.Tests).</summary>
    public static string? FromAssemblyName(string assemblyName)
    {
        if (!assemblyName.StartsWith(AssemblyPrefix, StringComparison.Ordinal) || assemblyName.EndsWith(".Tests", StringComparison.Ordinal))
        {
            return null;
        }

        var area = assemblyName[AssemblyPrefix.Length..];
        if (area.Length == 0 || area.Contains('.'))
        {
            return null;
        }

        return KebabCase.From(area);
    }
}
