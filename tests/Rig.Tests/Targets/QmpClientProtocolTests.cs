using System.Net.Sockets;
using Rig.Qmp;

namespace Rig.Tests.Targets;

/// <summary>The QMP client against a scripted server: the failures a real QEMU produces only by accident.</summary>
public sealed class QmpClientProtocolTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_server_closing_mid_command_fails_that_command_naming_it()
    {
        using var server = new FakeQmpServer();
        await using var client = await ConnectAsync(server);

        var pending = client.ExecuteAsync("query-status", timeout: Bound);
        await server.ReceiveAsync();
        server.Close();

        var error = await Assert.ThrowsAsync<QmpConnectionException>(() => pending);
        Assert.Contains("'query-status'", error.Message, StringComparison.Ordinal);
        Assert.Contains("closed the connection", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replies_are_matched_by_id_and_events_between_them_are_kept()
    {
        using var server = new FakeQmpServer();
        await using var client = await ConnectAsync(server);

        var first = client.ExecuteAsync("query-status", timeout: Bound);
        var second = client.ExecuteAsync("query-name", timeout: Bound);
        await server.ReceiveAsync();
        await server.ReceiveAsync();
        server.Send("""{"event": "STOP", "timestamp": {"seconds": 1, "microseconds": 2}}""");
        server.Send("""{"return": {"name": "b"}, "id": 3}""");
        server.Send("""{"return": {"status": "paused"}, "id": 2}""");

        Assert.Equal("paused", (await first).GetProperty("status").GetString());
        Assert.Equal("b", (await second).GetProperty("name").GetString());
        Assert.Equal("STOP", (await client.WaitForEventAsync("STOP", Bound)).Name);
    }

    [Fact]
    public async Task A_server_speaking_non_json_is_a_connection_error_not_a_crash()
    {
        using var server = new FakeQmpServer();
        await using var client = await ConnectAsync(server);

        var pending = client.ExecuteAsync("query-status", timeout: Bound);
        await server.ReceiveAsync();
        server.Send("this is not json {");

        var error = await Assert.ThrowsAsync<QmpConnectionException>(() => pending);
        Assert.Contains("not JSON", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_never_greets_times_out_with_a_clear_error()
    {
        using var server = new FakeQmpServer();

        var error = await Assert.ThrowsAsync<QmpConnectionException>(
            () => QmpClient.ConnectAsync(new NetworkStream(server.ClientSocket), TimeSpan.FromMilliseconds(200), CancellationToken.None));

        Assert.Contains("no QMP greeting", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A client that has been greeted and has negotiated capabilities with <paramref name="server"/>.</summary>
    private static async Task<QmpClient> ConnectAsync(FakeQmpServer server)
    {
        var connecting = QmpClient.ConnectAsync(new NetworkStream(server.ClientSocket), Bound, CancellationToken.None);
        await server.HandshakeAsync();
        return await connecting;
    }
}
