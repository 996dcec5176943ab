using System.IO.Pipes;
using Rig.Hosting;

namespace Rig.Tests.Hosting;

/// <summary>
/// A child whose output the rig read leaves no pipe open once released: Process.Dispose alone keeps a stream the
/// caller read, so every VMM left one fd until a GC (sched.destroy-under-load counted one per destroyed VM).
/// </summary>
public sealed class ChildProcessReleaseTests
{
    [Fact]
    public async Task Releasing_a_child_whose_stdout_and_stderr_were_read_closes_both_pipes()
    {
        var process = await ChildProcesses.StartAsync("sh", ["-c", "echo out; echo err >&2"]);
        Assert.Equal("out\n", await process.StandardOutput.ReadToEndAsync());
        Assert.Equal("err\n", await process.StandardError.ReadToEndAsync());
        await process.WaitForExitAsync();
        var pipes = new[] { process.StandardOutput, process.StandardError }
            .Select(r => (int)((PipeStream)r.BaseStream).SafePipeHandle.DangerousGetHandle())
            .Select(fd => (Fd: fd, Link: LinkOf(fd)))
            .ToList();

        ChildProcesses.Release(process);

        // The fd number may be reused at once by another test's open, but never for the same pipe.
        Assert.All(pipes, p => Assert.NotEqual(p.Link, LinkOf(p.Fd)));
    }

    private static string? LinkOf(int fd)
    {
        try
        {
            return new FileInfo($"/proc/self/fd/{fd}").LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
