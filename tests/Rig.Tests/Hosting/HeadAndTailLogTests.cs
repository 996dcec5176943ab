using Rig.Hosting;

namespace Rig.Tests.Hosting;

/// <summary>A child's stderr kept within its bound: the first lines, the last ones, and how many were left out.</summary>
public sealed class HeadAndTailLogTests
{
    [Fact]
    public void A_short_log_is_kept_whole()
    {
        var log = new HeadAndTailLog(headChars: 100, tailLines: 2);
        log.Add("one");
        log.Add("two");

        Assert.Equal("one\ntwo\n", log.ToString());
    }

    [Fact]
    public void A_long_log_keeps_its_head_its_last_lines_and_the_count_between()
    {
        var log = new HeadAndTailLog(headChars: 12, tailLines: 2);
        foreach (var line in new[] { "line1", "line2", "line3", "line4", "line5", "last" })
        {
            log.Add(line);
        }

        Assert.Equal("line1\nline2\n[… 2 lines left out …]\nline5\nlast\n", log.ToString());
    }

    [Fact]
    public void An_overlong_line_is_cut_and_says_so()
    {
        var log = new HeadAndTailLog(headChars: 100, tailLines: 2, maxLineChars: 4);
        log.Add("abcdefgh");

        Assert.Equal("abcd ~cut\n", log.ToString());
    }
}
