using System.Text.Json;

namespace Rig.Hypervisor.Tests.Qmp;

/// <summary>
/// The shape of a JSON value: member names and value types, not values, so replies from two servers (timestamps, versions,
/// command lists differ) can be compared for what a client's parser depends on. An empty array says nothing about its
/// elements, so it matches any array.
/// </summary>
internal static class JsonShape
{
    /// <summary>Where two values' shapes differ (a path and both shapes), or null if they agree.</summary>
    public static string? Difference(JsonElement expected, JsonElement actual, string path = "$")
    {
        if (Kind(expected) != Kind(actual))
        {
            return $"{path}: {Kind(expected)} vs {Kind(actual)}";
        }

        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                var expectedNames = expected.EnumerateObject().Select(p => p.Name).Order().ToList();
                var actualNames = actual.EnumerateObject().Select(p => p.Name).Order().ToList();
                if (!expectedNames.SequenceEqual(actualNames))
                {
                    return $"{path}: members [{string.Join(", ", expectedNames)}] vs [{string.Join(", ", actualNames)}]";
                }

                return expectedNames
                    .Select(name => Difference(expected.GetProperty(name), actual.GetProperty(name), $"{path}.{name}"))
                    .FirstOrDefault(d => d is not null);
            case JsonValueKind.Array when expected.GetArrayLength() > 0 && actual.GetArrayLength() > 0:
                // Elements of one QMP array share a type; the first of each side stands for all.
                return Difference(expected[0], actual[0], $"{path}[0]");
            default:
                return null;
        }
    }

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True or JsonValueKind.False => "boolean",
        var kind => kind.ToString().ToLowerInvariant(),
    };
}
