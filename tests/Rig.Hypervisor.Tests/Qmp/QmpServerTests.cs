using System.Text.Json;
using Rig.Hypervisor.Defects;
using Rig.Hypervisor.Qmp;

namespace Rig.Hypervisor.Tests.Qmp;

/// <summary>The QMP server against a fake VM: the wire behaviour a QEMU client relies on.</summary>
public sealed class QmpServerTests : IAsyncLifetime
{
    private readonly string _socketPath = Path.Combine(Path.GetTempPath(), $"rig-qmp-{Guid.NewGuid():N}.sock");
    private readonly FakeVm _vm = new();
    private readonly StringWriter _log = new();
    private QmpServer? _server;

    public Task InitializeAsync()
    {
        _server = QmpServer.Start(_socketPath, _vm, _log);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _server!.DisposeAsync();
        Assert.False(File.Exists(_socketPath), "the socket file outlives the server");
    }

    [Fact]
    public async Task Greeting_has_QEMUs_shape_and_offers_no_capabilities()
    {
        using var client = await QmpTestClient.ConnectAsync(_socketPath);

        string greeting = await client.ReadLineAsync();

        Assert.Equal(
            """{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": "rig-hv"}, "capabilities": []}}""",
            greeting);
    }

    [Fact]
    public async Task A_client_that_connected_before_the_server_started_gets_the_greeting_once_it_starts()
    {
        string path = Path.Combine(Path.GetTempPath(), $"rig-qmp-early-{Guid.NewGuid():N}.sock");
        var listener = QmpListener.Bind(path);
        using var client = await QmpTestClient.ConnectAsync(path);

        await using (QmpServer.Start(listener, new FakeVm(), TextWriter.Null))
        {
            Assert.StartsWith("""{"QMP": """, await client.ReadLineAsync());
        }

        Assert.False(File.Exists(path), "the socket file outlives the server");
    }

    [Fact]
    public void A_listener_no_server_took_removes_its_socket_file()
    {
        string path = Path.Combine(Path.GetTempPath(), $"rig-qmp-early-{Guid.NewGuid():N}.sock");

        QmpListener.Bind(path).Dispose();

        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task Commands_before_negotiation_are_refused_and_negotiation_happens_once()
    {
        using var client = await QmpTestClient.ConnectAsync(_socketPath);
        await client.ReadAsync();

        string early = await SendLineAsync(client, """{"execute": "stop", "id": 1}""");
        var negotiated = await client.ExecuteAsync("""{"execute": "qmp_capabilities"}""");
        var again = await client.ExecuteAsync("""{"execute": "qmp_capabilities"}""");

        // QEMU 7.2's bytes for the same request, quotes unescaped.
        Assert.Equal(
            """{"id": 1, "error": {"class": "CommandNotFound", "desc": "Expecting capabilities negotiation with 'qmp_capabilities'"}}""",
            early);
        Assert.DoesNotContain("stop", _vm.Calls);
        Assert.Equal(JsonValueKind.Object, negotiated.GetProperty("return").ValueKind);
        Assert.Equal("Capabilities negotiation is already complete, command ignored", again.GetProperty("error").GetProperty("desc").GetString());
    }

    [Theory]
    [InlineData("1")]
    [InlineData("\"text\"")]
    [InlineData("{\"nested\": [1, {\"a\": null}]}")]
    [InlineData("1.5")]
    [InlineData("null")]
    public async Task Id_is_echoed_verbatim_on_success_and_on_error(string id)
    {
        using var client = await QmpTestClient.ConnectNegotiatedAsync(_socketPath);

        await client.SendAsync($$"""{"execute": "query-status", "id": {{id}}}""" + "\n");
        string success = await client.ReadLineAsync();
        await client.SendAsync($$"""{"execute": "no-such", "id": {{id}}}""" + "\n");
        string error = await client.ReadLineAsync();

        string expectedId = JsonSerializer.Serialize(JsonDocument.Parse(id).RootElement);
        Assert.EndsWith($", \"id\": {Spaced(expectedId)}}}", success);
        Assert.StartsWith($"{{\"id\": {Spaced(expectedId)}, \"error\"", error);
    }

    [Fact]
    public async Task Unknown_command_is_CommandNotFound_with_QEMUs_text()
    {
        using var client = await QmpTestClient.ConnectNegotiatedAsync(_socketPath);

        string reply = await SendLineAsync(client, """{"execute": "frobnicate"}""");

        Assert.Equal("""{"error": {"class": "CommandNotFound", "desc": "The command frobnicate has not been found"}}""", reply);
    }

    [Theory]
    [InlineData("{bad json}", "JSON parse error, ")]
    [InlineData("[1, 2]", "QMP input must be a JSON object")]
    [InlineData("\"str\"", "QMP input must be a JSON object")]
    [InlineData("}", "JSON parse error, ")]
    [InlineData("{\"foo\": 1}", "QMP input member 'foo' is unexpected")]
    [InlineData("{\"execute\": 5}", "QMP input member 'execute' must be a string")]
    [InlineData("{\"execute\": \"stop\", \"arguments\": []}", "QMP input member 'arguments' must be an object")]
    [InlineData("{\"arguments\": {}}", "QMP input lacks member 'execute'")]
    [InlineData("{\"execute\": \"query-status\", \"arguments\": {\"x\": 1}}", "Parameter 'x' is unexpected")]
    [InlineData("{\"execute\": \"pmemsave\", \"arguments\": {\"val\": 0}}", "Parameter 'size' is missing")]
    [InlineData("{\"execute\": \"pmemsave\", \"arguments\": {\"val\": \"x\", \"size\": 1, \"filename\": \"f\"}}", "Invalid parameter type for 'val', expected: integer")]
    public async Task Malformed_input_gets_a_GenericError_and_the_session_goes_on(string input, string descriptionStart)
    {
        using var client = await QmpTestClient.ConnectNegotiatedAsync(_socketPath);

        var error = await client.ExecuteAsync(input);
        var next = await client.ExecuteAsync("""{"execute": "query-status", "id": "after"}""");

        Assert.Equal("GenericError", error.GetProperty("error").GetProperty("class").GetString());
        Assert.StartsWith(descriptionStart, error.GetProperty("error").GetProperty("desc").GetString());
        Assert.Equal("after", next.GetProperty("id").GetString());
        Assert.Equal("running", next.GetProperty("return").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Commands_split_across_writes_and_packed_in_one_line_are_all_answered()
    {
        using var client = await QmpTestClient.ConnectNegotiatedAsync(_socketPath);

        await client.SendAsync("""{"execute": "query-""");
        await client.SendAsync("""status", "id": 1}{"execute": "query-status", "id": 2}""" + "\n");

        Assert.Equal(1, (await client.ReadAsync()).GetProperty("id").GetInt32());
        Assert.Equal(2, (await client.ReadAsync()).GetProperty("id").GetInt32());
    }

    [Fact]
    public async Task Query_cpus_fast_gives_each_vcpus_host_thread_id_as_QEMU_does()
    {
        using var client = await QmpTestClient.ConnectNegotiatedAsync(_socketPath);

        var cpus = await client.ExecuteAsync("""{"execute": "query-cpus-fast"}""");

        var cpu = Assert.Single(cpus.GetProperty("return").EnumerateArray());
        Assert.Equal(0, cpu.GetProperty("cpu-index").GetInt32());
        Assert.Equal(4242, cpu.GetProperty("thread-id").GetInt32());
        Assert.Equal("x86_64", cpu.GetProperty("target").GetString());
    }

    [Fact]
    public async Task Stop_and_cont_change_query_status_and_emit_events_before_the_reply()
    {
        using var client = await QmpTestClient.ConnectNegotiatedAsync(_socketPath);

        await client.SendAsync("""{"execute": "stop"}""" + "\n");
        var stopEvent = await client.ReadAsync();
        string stopReply = await client.ReadLineAsync();
        var status = await client.ExecuteAsync("""{"execute": "query-status"}""");

        Assert.Equal("STOP", stopEvent.GetProperty("event").GetString());
        Assert.False(stopEvent.TryGetProperty("data", out _), "QEMU's STOP has no data member");
        Assert.True(stopEvent.GetProperty("timestamp").GetProperty("microseconds").GetInt64() is >= 0 and < 1_000_000);
        Assert.Equal("""{"return": {}}""", stopReply);
        Assert.Equal("""{"status":"paused","singlestep":false,"running":false}""", status.GetProperty("return").GetRawText().Replace(" ", ""));
    }

    [Fact]
    public async Task Events_reach_every_negotiated_client_but_not_one_still_negotiating()
    {
        using var first = await QmpTestClient.ConnectNegotiatedAsync(_socketPath);
        using var second = await QmpTestClient.ConnectNegotiatedAsync(_socketPath);
        using var negotiating = await QmpTestClient.ConnectAsync(_socketPath);
        await negotiating.ReadAsync();

        await SendLineAsync(first, """{"execute": "query-status"}""");
        _vm.Raise("RESET", ("guest", true), ("reason", "guest-reset"));
        var reply = await negotiating.ExecuteAsync("""{"execute": "qmp_capabilities", "id": "late"}""");

        foreach (var client in new[] { first, second })
        {
            var message = await client.ReadAsync();
            Assert.Equal("RESET", message.GetProperty("event").GetString());
            Assert.Equal("guest-reset", message.GetProperty("data").GetProperty("reason").GetString());
            Assert.True(message.GetProperty("data").GetProperty("guest").GetBoolean());
        }

        Assert.Equal("late", reply.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Pmemsave_writes_the_requested_guest_bytes_to_the_file()
    {
        using var client = await QmpTestClient.ConnectNegotiatedAsync(_socketPath);
        string file = Path.Combine(Path.GetTempPath(), $"rig-pmem-{Guid.NewGuid():N}.bin");
        try
        {
            var reply = await client.ExecuteAsync($$$"""{"execute": "pmemsave", "arguments": {"val": 4096, "size": 300, "filename": "{{{file}}}"}}""");

            Assert.True(reply.TryGetProperty("return", out _), reply.ToString());
            Assert.Equal(_vm.Memory.AsSpan(4096, 300).ToArray(), await File.ReadAllBytesAsync(file));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("""{"val": 0, "size": 16, "filename": "/nonexistent-dir/x.bin"}""", "Could not open '/nonexistent-dir/x.bin': No such file or directory")]
    [InlineData("""{"val": 8000, "size": 1000, "filename": "FILE"}""", "0x1f40+0x")]
    [InlineData("""{"val": -1, "size": -1, "filename": "FILE"}""", "0xffffffffffffffff+0x")]
    public async Task Pmemsave_errors_name_the_cause(string arguments, string descriptionStart)
    {
        using var client = await QmpTestClient.ConnectNegotiatedAsync(_socketPath);
        string file = Path.Combine(Path.GetTempPath(), $"rig-pmem-{Guid.NewGuid():N}.bin");
        try
        {
            var reply = await client.ExecuteAsync($$$"""{"execute": "pmemsave", "arguments": {{{arguments.Replace("FILE", file)}}}}""");

            Assert.StartsWith(descriptionStart, reply.GetProperty("error").GetProperty("desc").GetString());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("mce 0 1 0xb000000000000000 0x5 0x1000 0", "", "mce 0 1 0xb000000000000000 0x5 0x1000 0x0")]
    [InlineData("mce 0 12 0xb000000000000000 0 0 0", "Invalid MCE bank number\r\n", null)]
    [InlineData("frob 1", "unknown command: 'frob'\r\n", null)]
    [InlineData("mce 0 1", "unexpected end of expression\r\nTry \"help mce\" for more information\r\n", null)]
    public async Task Human_monitor_command_runs_HMP_and_returns_its_text(string line, string expectedText, string? expectedCall)
    {
        using var client = await QmpTestClient.ConnectNegotiatedAsync(_socketPath);

        var reply = await client.ExecuteAsync(
            JsonSerializer.Serialize(new { execute = "human-monitor-command", arguments = new Dictionary<string, string> { ["command-line"] = line } }));

        Assert.Equal(expectedText, reply.GetProperty("return").GetString());
        Assert.Equal(expectedCall is null ? [] : [expectedCall], _vm.Calls.Where(c => c.StartsWith("mce", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Vendor_commands_reach_the_VM_and_list_its_state()
    {
        using var client = await QmpTestClient.ConnectNegotiatedAsync(_socketPath);

        await client.ExecuteAsync("""{"execute": "x-rig-snapshot-save", "arguments": {"name": "boot"}}""");
        var snapshots = await client.ExecuteAsync("""{"execute": "x-rig-snapshots"}""");
        var badRevert = await client.ExecuteAsync("""{"execute": "x-rig-snapshot-revert", "arguments": {"name": "nope"}}""");
        string defect = DefectCatalog.All[0].Name;
        await client.ExecuteAsync($$$"""{"execute": "x-rig-defect-enable", "arguments": {"name": "{{{defect}}}"}}""");
        var unknownDefect = await client.ExecuteAsync("""{"execute": "x-rig-defect-enable", "arguments": {"name": "no-such-defect"}}""");
        var defects = await client.ExecuteAsync("""{"execute": "x-rig-defects"}""");

        Assert.Equal("""[{"name":"boot"}]""", snapshots.GetProperty("return").GetRawText().Replace(" ", ""));
        Assert.Equal("no snapshot 'nope'", badRevert.GetProperty("error").GetProperty("desc").GetString());
        Assert.StartsWith("unknown defect 'no-such-defect'", unknownDefect.GetProperty("error").GetProperty("desc").GetString());
        var listed = defects.GetProperty("return").EnumerateArray().Single(d => d.GetProperty("name").GetString() == defect);
        Assert.True(listed.GetProperty("enabled").GetBoolean());
        Assert.Equal(DefectCatalog.All.Count, defects.GetProperty("return").GetArrayLength());
    }

    [Fact]
    public async Task Ioapic_set_irq_drives_the_pins_of_its_mask_and_refuses_the_PIT_pin_or_a_VM_without_an_IOAPIC()
    {
        using var client = await QmpTestClient.ConnectNegotiatedAsync(_socketPath);
        var none = await client.ExecuteAsync("""{"execute": "x-rig-ioapic-set-irq", "arguments": {"pins": 65536, "level": true}}""");
        var ioapic = new Rig.Hypervisor.Irq.IoApic(new Rig.Hypervisor.Irq.ApicBus(), DefectSet.None, 0);
        _vm.IoApic = ioapic;
        ioapic.Write(0x00, 4, 0x10 + (2 * 16));
        ioapic.Write(0x10, 4, 0x8058); // GSI 16: level-triggered, vector 0x58, unmasked (82093AA 3.2.4)

        var asserted = await client.ExecuteAsync("""{"execute": "x-rig-ioapic-set-irq", "arguments": {"pins": 65536, "level": true}}""");
        var pit = await client.ExecuteAsync("""{"execute": "x-rig-ioapic-set-irq", "arguments": {"pins": 4, "level": true}}""");

        Assert.StartsWith("this VM has no user-space IOAPIC", none.GetProperty("error").GetProperty("desc").GetString());
        Assert.True(asserted.TryGetProperty("return", out _));
        Assert.Equal(1UL << 14, ioapic.RedirectionEntry(16) & (1UL << 14)); // sent, so remote IRR awaits the EOI
        Assert.Contains("without the PIT's GSI 2", pit.GetProperty("error").GetProperty("desc").GetString());
    }

    [Fact]
    public async Task Calibration_commands_force_a_rendezvous_and_set_the_period_within_limits()
    {
        using var client = await QmpTestClient.ConnectNegotiatedAsync(_socketPath);

        var first = await client.ExecuteAsync("""{"execute": "x-rig-calibrate"}""");
        var second = await client.ExecuteAsync("""{"execute": "x-rig-calibrate"}""");
        await client.ExecuteAsync("""{"execute": "x-rig-calibration-period", "arguments": {"period-us": 2000}}""");
        var tooShort = await client.ExecuteAsync("""{"execute": "x-rig-calibration-period", "arguments": {"period-us": 10}}""");
        var missing = await client.ExecuteAsync("""{"execute": "x-rig-calibration-period"}""");

        Assert.Equal(1, first.GetProperty("return").GetProperty("calibrations").GetInt64());
        Assert.Equal(2, second.GetProperty("return").GetProperty("calibrations").GetInt64());
        Assert.Contains("calibration-period 2000", _vm.Calls);
        Assert.Equal("GenericError", tooShort.GetProperty("error").GetProperty("class").GetString());
        Assert.Equal("GenericError", missing.GetProperty("error").GetProperty("class").GetString());
    }

    [Fact]
    public async Task Recalibrate_sets_the_calibration_rate_and_the_record_hold()
    {
        using var client = await QmpTestClient.ConnectNegotiatedAsync(_socketPath);

        await client.ExecuteAsync("""{"execute": "x-rig-recalibrate", "arguments": {"hz": 250, "hold-us": 500}}""");
        var noRate = await client.ExecuteAsync("""{"execute": "x-rig-recalibrate", "arguments": {"hz": 0, "hold-us": 500}}""");

        Assert.Contains("calibration-period 4000", _vm.Calls);
        Assert.Contains("record-hold 500", _vm.Calls);
        Assert.Equal("GenericError", noRate.GetProperty("error").GetProperty("class").GetString());
    }

    [Fact]
    public async Task Query_commands_lists_every_command_the_server_answers()
    {
        using var client = await QmpTestClient.ConnectNegotiatedAsync(_socketPath);

        var reply = await client.ExecuteAsync("""{"execute": "query-commands"}""");
        var names = reply.GetProperty("return").EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToList();

        foreach (string expected in new[] { "qmp_capabilities", "query-status", "stop", "cont", "system_reset", "inject-nmi", "pmemsave", "quit", "human-monitor-command", "x-rig-defects" })
        {
            Assert.Contains(expected, names);
        }
    }

    [Fact]
    public async Task A_client_vanishing_mid_command_leaves_the_command_done_and_the_server_serving()
    {
        using var hold = new SemaphoreSlim(0);
        _vm.HoldStop = hold;
        using (var leaving = await QmpTestClient.ConnectNegotiatedAsync(_socketPath))
        {
            await leaving.SendAsync("""{"execute": "stop"}""" + "\n");
            Assert.True(await _vm.StopEntered.WaitAsync(TimeSpan.FromSeconds(20)), "stop never reached the VM");
        }

        hold.Release();
        using var staying = await QmpTestClient.ConnectNegotiatedAsync(_socketPath);
        var status = await staying.ExecuteAsync("""{"execute": "query-status"}""");

        Assert.Equal("paused", status.GetProperty("return").GetProperty("status").GetString());
        Assert.Equal(["stop"], _vm.Calls);
    }

    [Fact]
    public async Task Quit_reports_shutdown_then_returns()
    {
        using var client = await QmpTestClient.ConnectNegotiatedAsync(_socketPath);

        await client.SendAsync("""{"execute": "quit", "id": 9}""" + "\n");
        var shutdown = await client.ReadAsync();
        string reply = await client.ReadLineAsync();

        Assert.Equal("SHUTDOWN", shutdown.GetProperty("event").GetString());
        Assert.Equal("""{"return": {}, "id": 9}""", reply);
    }

    [Fact]
    public async Task Quit_reply_arrives_even_when_the_server_is_shut_down_as_the_VM_ends()
    {
        using var client = await QmpTestClient.ConnectNegotiatedAsync(_socketPath);
        Task? shutdown = null;
        _vm.OnQuit = () => shutdown = Task.Run(async () => await _server!.DisposeAsync());

        await client.SendAsync("""{"execute": "quit", "id": "bye"}""" + "\n");
        var shutdownEvent = await client.ReadAsync();
        var reply = await client.ReadAsync();

        Assert.Equal("SHUTDOWN", shutdownEvent.GetProperty("event").GetString());
        Assert.Equal("bye", reply.GetProperty("id").GetString());
        await shutdown!.WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public void A_socket_path_that_is_a_directory_is_a_clear_IO_error()
    {
        string directory = Directory.CreateTempSubdirectory("rig-qmp-dir-").FullName;
        try
        {
            var error = Assert.Throws<IOException>(() => QmpServer.Start(directory, new FakeVm(), TextWriter.Null));

            Assert.Contains(directory, error.Message);
        }
        finally
        {
            Directory.Delete(directory);
        }
    }

    private static async Task<string> SendLineAsync(QmpTestClient client, string command)
    {
        await client.SendAsync(command + "\n");
        return await client.ReadLineAsync();
    }

    /// <summary>QEMU's spacing of a compact JSON value: a space after each ':' and ','.</summary>
    private static string Spaced(string compactJson) => compactJson.Replace(":", ": ").Replace(",", ", ");
}
