using System.Globalization;

namespace Rig.Runner;

/// <summary>
/// <c>rig run --shard I/N</c>: shard I of N owns every N-th row of the selection in <see cref="CaseRow.Key"/> order,
/// starting at the I-th. The order depends only on the built suites and the selection, never on the host, so N runners
/// of a CI matrix given the same flags split the rows completely and disjointly, each about 1/N of them.
/// </summary>
public sealed record Shard(int Index, int Count)
{
    public static Shard Whole { get; } = new(1, 1);

    /// <summary>"2/4" → shard 2 of 4; anything else names what is wrong.</summary>
    public static Shard Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            || count < 1 || index < 1 || index > count)
        {
            throw new ArgumentException($"--shard: expected I/N with 1 <= I <= N (e.g. 1/2), got '{text}'");
        }

        return new Shard(index, count);
    }

    public IReadOnlyList<CaseRow> Select(IEnumerable<CaseRow> rows) =>
        rows.OrderBy(r => r.Key, StringComparer.Ordinal)
            .Where((_, position) => position % Count == Index - 1)
            .ToList();

    public override string ToString() => $"{Index}/{Count}";
}
