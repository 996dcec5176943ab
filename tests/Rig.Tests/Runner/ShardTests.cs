using FsCheck.Xunit;
using Rig.Runner;

namespace Rig.Tests.Runner;

public sealed class ShardTests
{
    private static List<CaseRow> Rows(int count) =>
        [.. Enumerable.Range(0, count).Select(i => new CaseRow(i % 2 == 0 ? "apic" : "time", $"case-{i}", i % 3 == 0 ? "reference" : "qemu-tcg", $"Fixture{i}.Run", null))];

    [Property]
    public bool The_shards_of_a_selection_are_complete_disjoint_and_balanced(byte rowCount, byte shardCount)
    {
        var rows = Rows(rowCount);
        var n = (shardCount % 8) + 1;
        var shards = Enumerable.Range(1, n).Select(i => new Shard(i, n).Select(rows)).ToList();
        var owned = shards.SelectMany(s => s).ToList();
        return owned.Count == rows.Count
            && owned.ToHashSet().SetEquals(rows)
            && shards.Max(s => s.Count) - shards.Min(s => s.Count) <= 1;
    }

    [Fact]
    public void A_shard_depends_on_the_rows_not_on_the_order_they_were_found_in()
    {
        var rows = Rows(7);
        var shuffled = rows.AsEnumerable().Reverse().ToList();
        Assert.Equal(new Shard(2, 3).Select(rows), new Shard(2, 3).Select(shuffled));
    }

    [Theory]
    [InlineData("1/2", 1, 2)]
    [InlineData("3/3", 3, 3)]
    public void Parses_i_of_n(string text, int index, int count) => Assert.Equal(new Shard(index, count), Shard.Parse(text));

    [Theory]
    [InlineData("0/2")]
    [InlineData("3/2")]
    [InlineData("1/0")]
    [InlineData("2")]
    [InlineData("a/b")]
    [InlineData("-1/2")]
    public void Rejects_what_is_not_i_of_n(string text) =>
        Assert.Contains("--shard", Assert.Throws<ArgumentException>(() => Shard.Parse(text)).Message, StringComparison.Ordinal);
}
