namespace Rig.Tests.Store;

/// <summary>
/// A test against a real PostgreSQL server: starts the throwaway cluster (once per test process) and skips,
/// with the reason, when it cannot start here (no Debian postgresql, no postgres user, initdb failing).
/// </summary>
public sealed class RequiresPostgresFactAttribute : FactAttribute
{
    public RequiresPostgresFactAttribute()
    {
        if (TemporaryPostgres.Shared.Value.Failure is { } reason)
        {
            Skip = $"PostgreSQL cannot start here: {reason}";
        }
    }
}
