namespace Rig.Hypervisor.Tests;

/// <summary>A fact that is skipped, with the reason, where /dev/kvm cannot be opened (xunit 2 has no dynamic skip).</summary>
public sealed class RequiresKvmFactAttribute : FactAttribute
{
    public RequiresKvmFactAttribute()
    {
        if (KvmAvailability.Reason is { } reason)
        {
            Skip = reason;
        }
    }
}

internal static class KvmAvailability
{
    private static readonly Lazy<string?> LazyReason = new(() =>
    {
        try
        {
            using var kvm = File.Open("/dev/kvm", FileMode.Open, FileAccess.ReadWrite);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"needs /dev/kvm: {e.Message}";
        }
    });

    public static string? Reason => LazyReason.Value;
}
