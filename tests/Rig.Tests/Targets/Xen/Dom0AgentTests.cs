using Rig.Targets.Xen;

namespace Rig.Tests.Targets.Xen;

/// <summary>The rig's side of rig-agent: acks matched by number, guests' consoles and exits routed by name, files sent whole.</summary>
public sealed class Dom0AgentTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Answers_reach_their_commands_whatever_their_order()
    {
        await using var link = new FakeAgentLink();

        var pause = link.Agent.SendAsync("pause", ["rig-a-1"], Bound);
        var list = link.Agent.SendAsync("list", [], Bound);
        Assert.Equal("1 pause rig-a-1", await link.ReadCommandAsync());
        Assert.Equal("2 list", await link.ReadCommandAsync());
        await link.SayAsync("@ack 2 ok Name ID|Domain-0 0");
        await link.SayAsync("@ack 1 err libxl: no such domain");

        Assert.Equal(new AgentReply(true, "Name ID|Domain-0 0"), await list);
        Assert.Equal(new AgentReply(false, "libxl: no such domain"), await pause);
    }

    [Fact]
    public async Task An_xl_that_dom0_could_not_load_is_a_fault_of_dom0s_and_an_ordinary_xl_error_is_not()
    {
        await using var link = new FakeAgentLink();

        var pause = link.Agent.SendAsync("pause", ["rig-a-1"], Bound);
        var unpause = link.Agent.SendAsync("unpause", ["rig-a-1"], Bound);
        await link.ReadCommandAsync();
        await link.ReadCommandAsync();
        await link.SayAsync("@ack 1 err xl: symbol lookup error: /lib/x86_64-linux-gnu/libxentoolcore.so.1: undefined symbol: pthread_mutex_unlock, version GLIBC_2.2.5");
        await link.SayAsync("@ack 2 err libxl: error: libxl_domain.c:595:libxl_domain_unpause: Domain 7:Unpausing domain failed");

        Assert.False((await pause).Ok);
        Assert.False((await unpause).Ok);
        Assert.Contains("symbol lookup error", Assert.Single(link.Agent.FaultAnswers));
    }

    [Fact]
    public async Task A_guests_console_and_exit_go_to_its_watcher_only()
    {
        await using var link = new FakeAgentLink();
        var watched = link.Agent.Watch("rig-hello-1");

        await link.SayAsync("@con rig-other-2 not mine");
        await link.SayAsync("@con rig-hello-1 RIG boot n=1 cpus=1");
        await link.SayAsync("@exit rig-hello-1 rc=0 reason=1");
        await link.SayAsync("@con-end rig-hello-1");

        Assert.Equal(["RIG boot n=1 cpus=1"], await watched.Console.ReadAllAsync().ToListAsync());
        Assert.Equal(XenShutdown.Reboot, await watched.Exit.WaitAsync(Bound));
        Assert.Contains("@con rig-other-2 not mine", link.Agent.Unrouted);
    }

    [Fact]
    public async Task The_latest_stray_lines_are_kept_when_more_come_than_the_agent_holds()
    {
        await using var link = new FakeAgentLink();
        for (var i = 0; i < 2100; i++)
        {
            await link.SayAsync($"@con rig-gone-1 line {i}");
        }

        // A line the agent reads after this ack was read after every stray line before it.
        var list = link.Agent.SendAsync("list", [], Bound);
        await link.ReadCommandAsync();
        await link.SayAsync("@ack 1 ok");
        await list;

        // A run's shared machine collects more stray lines than the agent keeps; a diagnosis wants the latest.
        Assert.Equal("@con rig-gone-1 line 2099", link.Agent.Unrouted[^1]);
        Assert.DoesNotContain("@con rig-gone-1 line 0", link.Agent.Unrouted);
    }

    [Fact]
    public async Task A_file_goes_as_base64_payloads_of_the_length_each_command_names()
    {
        await using var link = new FakeAgentLink();
        var content = Enumerable.Range(0, 30_000).Select(i => (byte)i).ToArray();

        var put = link.Agent.PutFileAsync(content, "/probes/x.elf", Bound);
        Assert.Equal("1 new /probes/x.elf", await link.ReadCommandAsync());
        await link.SayAsync("@ack 1 ok");
        var received = new List<byte>();
        for (var seq = 2; received.Count < content.Length; seq++)
        {
            var words = (await link.ReadCommandAsync()).Split(' ');
            Assert.Equal([seq.ToString(System.Globalization.CultureInfo.InvariantCulture), "recv", "/probes/x.elf"], words[..3]);
            received.AddRange(Convert.FromBase64String(await link.ReadPayloadAsync(int.Parse(words[3], System.Globalization.CultureInfo.InvariantCulture))));
            await link.SayAsync($"@ack {seq} ok");
        }

        await put.WaitAsync(Bound);
        Assert.Equal(content, received);
    }

    [Fact]
    public async Task A_command_left_unanswered_names_the_earlier_one_the_agent_is_still_running()
    {
        await using var link = new FakeAgentLink();
        await AnsweredListAsync(link, 1);
        var destroy = link.Agent.SendAsync("destroy", ["rig-cpu-7"], TimeSpan.FromMilliseconds(200));
        await link.ReadCommandAsync();
        await Assert.ThrowsAsync<TimeoutException>(() => destroy);

        var error = await Assert.ThrowsAsync<TimeoutException>(() => link.Agent.SendAsync("new", ["/tmp/rig-cpu-8.cfg"], TimeSpan.FromMilliseconds(200)));

        Assert.Matches(@"no answer to 'new' within 0 s; .*#3 'new /tmp/rig-cpu-8.cfg' sent [0-9.]+ s ago, unanswered; " +
                       @"#2 'destroy rig-cpu-7' sent [0-9.]+ s ago, unanswered; #1 'list' sent [0-9.]+ s ago, answered ok after [0-9.]+ s", error.Message);
    }

    [Fact]
    public async Task An_ack_that_comes_after_its_sender_gave_up_is_still_noted()
    {
        await using var link = new FakeAgentLink();
        var destroy = link.Agent.SendAsync("destroy", ["rig-cpu-7"], TimeSpan.FromMilliseconds(200));
        await link.ReadCommandAsync();
        await Assert.ThrowsAsync<TimeoutException>(() => destroy);
        await link.SayAsync("@ack 1 err timed out");

        var error = await Assert.ThrowsAsync<TimeoutException>(() => link.Agent.SendAsync("new", ["/tmp/c"], TimeSpan.FromMilliseconds(200)));

        Assert.Matches("#1 'destroy rig-cpu-7' sent [0-9.]+ s ago, answered err after [0-9.]+ s", error.Message);
    }

    [Fact]
    public async Task A_command_that_reached_dom0_without_its_head_is_sent_again_after_a_newline()
    {
        await using var link = new FakeAgentLink();

        var fresh = link.Agent.SendAsync("new", ["/tmp/rig-cpuchecks-42.cfg"], Bound);
        Assert.Equal("1 new /tmp/rig-cpuchecks-42.cfg", await link.ReadCommandAsync());
        // What xen-tcg's agent said when it read only the line's tail "cfg".
        await link.SayAsync("@ack cfg err unknown-verb ");

        Assert.Equal("", await link.ReadCommandAsync());
        Assert.Equal("2 new /tmp/rig-cpuchecks-42.cfg", await link.ReadCommandAsync());
        await link.SayAsync("@ack 2 ok");
        Assert.True((await fresh.WaitAsync(Bound)).Ok);
        Assert.Contains(link.Agent.Unrouted, l => l.StartsWith("rig: sent again: dom0 agent: the command '1 new /tmp/rig-cpuchecks-42.cfg' reached dom0 garbled", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_command_that_ran_with_the_head_of_its_number_lost_takes_that_answer()
    {
        await using var link = new FakeAgentLink();
        for (var i = 1; i <= 11; i++)
        {
            await AnsweredListAsync(link, i);
        }

        var list = link.Agent.SendAsync("list", [], Bound);
        Assert.Equal("12 list", await link.ReadCommandAsync());
        // The agent read "2 list": the line's first digit went missing.
        await link.SayAsync("@ack 2 ok Name ID|Domain-0 0");

        Assert.Equal(new AgentReply(true, "Name ID|Domain-0 0"), await list.WaitAsync(Bound));
        Assert.Contains("@ack 2 ok Name ID|Domain-0 0", link.Agent.Unrouted);
    }

    [Fact]
    public async Task A_late_answer_to_a_command_given_up_on_goes_to_no_other()
    {
        await using var link = new FakeAgentLink();
        await AnsweredListAsync(link, 1);
        var givenUp = link.Agent.SendAsync("list", [], TimeSpan.FromMilliseconds(100));
        await link.ReadCommandAsync();
        await Assert.ThrowsAsync<TimeoutException>(() => givenUp);
        for (var i = 3; i <= 11; i++)
        {
            await AnsweredListAsync(link, i);
        }

        var list = link.Agent.SendAsync("list", [], Bound);
        await link.ReadCommandAsync();
        await link.SayAsync("@ack 2 ok late");
        await link.SayAsync("@ack 12 ok mine");

        Assert.Equal(new AgentReply(true, "mine"), await list.WaitAsync(Bound));
    }

    [Fact]
    public async Task An_unknown_verb_that_matches_no_pending_command_fails_nothing()
    {
        await using var link = new FakeAgentLink();

        var list = link.Agent.SendAsync("list", [], Bound);
        await link.ReadCommandAsync();
        await link.SayAsync("@ack 9 err unknown-verb frobnicate");
        await link.SayAsync("@ack 1 ok Name ID");

        Assert.True((await list.WaitAsync(Bound)).Ok);
    }

    [Fact]
    public async Task A_closed_channel_fails_what_waits_on_it()
    {
        var link = new FakeAgentLink();
        var watched = link.Agent.Watch("rig-hello-1");
        var pending = link.Agent.SendAsync("list", [], Bound);
        await link.ReadCommandAsync();

        await link.DisposeAsync();

        await Assert.ThrowsAnyAsync<IOException>(() => pending);
        Assert.Equal(-1, await watched.Exit.WaitAsync(Bound));
    }

    [Theory]
    [InlineData("rc=0 reason=0", 0)]
    [InlineData("rc=1 reason=-1", -1)]
    [InlineData("rc=0", -1)]
    public void The_exit_line_names_the_shutdown_reason(string fields, int reason) =>
        Assert.Equal(reason, Dom0Agent.ShutdownReason(fields));

    [Fact]
    public async Task A_command_is_one_line()
    {
        await using var link = new FakeAgentLink();

        await Assert.ThrowsAsync<ArgumentException>(() => link.Agent.SendAsync("input", ["d", "a\nb"], Bound));
    }

    /// <summary>Sends 'list' as command <paramref name="seq"/> and answers it ok, as the agent would.</summary>
    private static async Task AnsweredListAsync(FakeAgentLink link, int seq)
    {
        var list = link.Agent.SendAsync("list", [], Bound);
        Assert.Equal($"{seq} list", await link.ReadCommandAsync());
        await link.SayAsync($"@ack {seq} ok");
        await list;
    }
}
