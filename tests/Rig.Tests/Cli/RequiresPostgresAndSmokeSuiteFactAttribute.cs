using Rig.Tests.Store;

namespace Rig.Tests.Cli;

/// <summary>Skips, saying why, unless both a throwaway PostgreSQL starts here and QEMU with the built smoke suite is there.</summary>
public sealed class RequiresPostgresAndSmokeSuiteFactAttribute : FactAttribute
{
    public RequiresPostgresAndSmokeSuiteFactAttribute()
    {
        Skip = new RequiresQemuAndSmokeSuiteFactAttribute().Skip ?? new RequiresPostgresFactAttribute().Skip;
    }
}
