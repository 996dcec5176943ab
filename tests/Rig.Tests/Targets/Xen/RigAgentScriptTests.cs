using System.Diagnostics;
using System.Globalization;
using Rig.Targets.Xen;

namespace Rig.Tests.Targets.Xen;

/// <summary>
/// The kit's rig-agent itself, run beside a stand-in <c>xl</c>. It scripts a restore: the rig answers the guest's
/// snapshot-save request the moment the agent acks the save, so that ack must wait until the restored domain runs
/// (on xen-tcg-hvm an answer written while qemu-xen was still restoring never reached the probe). A create that never
/// yields a domain is answered with where it stopped. A command the agent runs cannot eat the rig's next command.
/// </summary>
public sealed class RigAgentScriptTests : IAsyncDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private const int PausedLists = 3;

    private readonly string _directory = Directory.CreateTempSubdirectory("rig-agent-test-").FullName;
    private readonly string _guest = $"rig-agent-test-{Guid.NewGuid():N}";
    private LocalDom0? _dom0;

    [Fact]
    public async Task A_save_is_acked_once_the_restored_domain_runs_not_when_its_domid_shows()
    {
        var agent = await StartAsync(pausedLists: PausedLists, restoreSeconds: 30);

        var reply = await agent.SendAsync("save", [_guest, Path.Combine(_directory, "checkpoint")], Bound);

        Assert.True(reply.Ok, reply.Text);
        Assert.StartsWith("domid=7 ", reply.Text, StringComparison.Ordinal);
        // Every "xl list" before the ack said paused but the last, which said running: not one earlier, not one after.
        Assert.Equal(PausedLists + 1, int.Parse(File.ReadAllText(Path.Combine(_directory, "lists")), CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_restore_that_ends_before_its_domain_ever_runs_is_an_error()
    {
        var agent = await StartAsync(pausedLists: -1, restoreSeconds: 1);

        var reply = await agent.SendAsync("save", [_guest, Path.Combine(_directory, "checkpoint")], Bound);

        Assert.False(reply.Ok, reply.Text);
        Assert.StartsWith("restore-did-not-run", reply.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_guests_checkpoints_are_removed_when_it_ends()
    {
        // The restored guest lives 10 s: with 1 s it could end, and its checkpoint go, before the test looked (CI, with
        // the Xen smoke tests' QEMU busy on both CPUs).
        var agent = await StartAsync(pausedLists: 0, restoreSeconds: 10);
        var domain = agent.Watch(_guest);
        var checkpoint = $"/tmp/{_guest}.time.save";

        var reply = await agent.SendAsync("save", [_guest, checkpoint], Bound);
        Assert.True(reply.Ok, reply.Text);
        Assert.True(File.Exists(checkpoint));
        await domain.Exit.WaitAsync(Bound);

        // The agent removes them right after reporting the exit.
        var deadline = DateTime.UtcNow + Bound;
        while (File.Exists(checkpoint) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.False(File.Exists(checkpoint));
    }

    [Fact]
    public async Task A_create_whose_domain_never_shows_is_answered_with_where_it_stopped()
    {
        var agent = await StartAsync(pausedLists: 0, restoreSeconds: 1);
        var config = Path.Combine(_directory, "never.cfg");
        File.WriteAllText(config, "type = \"pvh\"\n");

        var reply = await agent.SendAsync("create", [_guest + ".never", config], Bound);

        // CI once waited 300 s on a PVH create and learnt nothing: the answer names xl's state, the domain's, the
        // console's and the daemons', and ends with what xl said.
        Assert.False(reply.Ok, reply.Text);
        Assert.StartsWith("start-failed xl=exited domid=none tty= xenstored=", reply.Text, StringComparison.Ordinal);
        Assert.Contains("the stand-in creates nothing", reply.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_program_the_agent_runs_cannot_read_the_rigs_next_command()
    {
        var agent = await StartAsync(pausedLists: 0, restoreSeconds: 1);
        var file = Path.Combine(_directory, "rig-cpuchecks-33.cfg");

        // The stand-in's pause reads its standard input, as any program may. On xen-tcg the agent once read a command
        // whose first 24 bytes something else had taken ("@ack ks-33.cfg err unknown-verb"), and the rig waited 120 s.
        var pause = agent.SendAsync("pause", [_guest], Bound);
        var fresh = agent.SendAsync("new", [file], TimeSpan.FromSeconds(15));

        Assert.True((await pause).Ok);
        Assert.True((await fresh).Ok);
        Assert.True(File.Exists(file));
    }

    /// <summary>
    /// The agent with <c>xl</c> and <c>xenstore-read</c> stand-ins first on its PATH: the restored domain (domid 7) is
    /// listed paused for <paramref name="pausedLists"/> calls of <c>xl list</c> and running after (never, with -1);
    /// <c>xl restore -F</c> stays in the foreground for <paramref name="restoreSeconds"/>, as it does while the domain lives.
    /// <c>xl create</c> fails having made no domain: only the test's guest has a domid. <c>xl pause</c> reads what its
    /// standard input holds within 2 s.
    /// </summary>
    private async Task<Dom0Agent> StartAsync(int pausedLists, int restoreSeconds)
    {
        var bin = Directory.CreateDirectory(Path.Combine(_directory, "bin")).FullName;
        WriteScript(Path.Combine(bin, "xl"), $$"""
            #!/bin/sh
            state='{{_directory}}'
            case "$1" in
              info) echo 4.17.0 ;;
              save) : >"$3" ;;
              restore) i=0; while [ "$i" -lt {{restoreSeconds * 10}} ]; do sleep 0.1; i=$((i + 1)); done ;;
              create) echo "libxl: error: the stand-in creates nothing" >&2; exit 3 ;;
              domid) [ "$2" = '{{_guest}}' ] || exit 1; echo 7 ;;
              unpause) ;;
              pause) timeout 2 head -c 24 >/dev/null 2>&1; exit 0 ;;
              list)
                n=$(($(cat "$state/lists" 2>/dev/null || echo 0) + 1))
                echo "$n" >"$state/lists"
                flags=--p---
                [ {{pausedLists}} -ge 0 ] && [ "$n" -gt {{pausedLists}} ] && flags=-b----
                echo "Name                                        ID   Mem VCPUs	State	Time(s)"
                echo "$2 7 64 1 $flags 0.1"
                ;;
              *) echo "xl stand-in: $*" >&2; exit 1 ;;
            esac
            """);
        WriteScript(Path.Combine(bin, "xenstore-read"), "#!/bin/sh\necho /dev/null\n");
        var script = Path.Combine(RequiresXenKitFactAttribute.RepoRoot, "rig", "Rig.Core", "Targets", "Xen", "kit", "rig-agent");
        var wrapper = Path.Combine(_directory, "agent");
        WriteScript(wrapper, $"#!/bin/sh\nPATH='{bin}':\"$PATH\" exec sh '{script}' \"$@\"\n");
        _dom0 = await LocalDom0.StartAsync(wrapper);
        return _dom0.Agent;
    }

    private static void WriteScript(string path, string text)
    {
        File.WriteAllText(path, text.ReplaceLineEndings("\n"));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_dom0 is not null)
        {
            using var agent = Process.GetProcessById(_dom0.ProcessId);
            agent.Kill(entireProcessTree: true);
            await _dom0.Agent.DisposeAsync();
        }

        foreach (var file in Directory.GetFiles("/tmp", $"{_guest}.*"))
        {
            File.Delete(file);
        }

        Directory.Delete(_directory, recursive: true);
    }
}
