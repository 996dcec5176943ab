using System.Text;
using Rig.Hypervisor.Qmp;

namespace Rig.Hypervisor.Tests.Qmp;

/// <summary>Cutting a client's byte stream into JSON texts, including what a hostile client may send.</summary>
public sealed class QmpInputFramerTests
{
    [Fact]
    public void Braces_inside_strings_and_escaped_quotes_do_not_end_a_text()
    {
        var framer = new QmpInputFramer();

        var frames = framer.Push(Encoding.UTF8.GetBytes("{\"a\": \"}{\\\"}\"}\n{\"b\": [1]}"));

        Assert.Equal(["{\"a\": \"}{\\\"}\"}", "{\"b\": [1]}"], frames.Select(f => Encoding.UTF8.GetString(f.Text)));
    }

    [Fact]
    public void Blank_lines_are_skipped_and_a_bare_scalar_ends_at_its_newline()
    {
        var framer = new QmpInputFramer();

        var frames = framer.Push("\r\n  \n42\n"u8);

        Assert.Equal(["42\n"], frames.Select(f => Encoding.UTF8.GetString(f.Text)));
    }

    [Fact]
    public void An_oversized_text_becomes_one_error_and_framing_resumes_after_it()
    {
        var framer = new QmpInputFramer(maxTextBytes: 64);

        var frames = framer.Push(Encoding.UTF8.GetBytes("{\"x\": \"" + new string('a', 1000) + "\"}{\"ok\": 1}"));

        Assert.Equal(2, frames.Count);
        Assert.StartsWith("JSON parse error, input exceeds 64 bytes", frames[0].Error);
        Assert.Equal("{\"ok\": 1}", Encoding.UTF8.GetString(frames[1].Text));
    }

    [Fact]
    public void Nesting_deeper_than_the_limit_becomes_one_error()
    {
        var framer = new QmpInputFramer(maxDepth: 8);

        var frames = framer.Push(Encoding.UTF8.GetBytes(new string('[', 100) + new string(']', 100) + "[1]"));

        Assert.Equal(2, frames.Count);
        Assert.NotNull(frames[0].Error);
        Assert.Equal("[1]", Encoding.UTF8.GetString(frames[1].Text));
    }
}
