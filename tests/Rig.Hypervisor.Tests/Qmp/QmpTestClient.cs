using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Rig.Hypervisor.Tests.Qmp;

/// <summary>A raw QMP client for tests: sends text as given and reads CRLF-ended messages, each read bounded by a timeout.</summary>
internal sealed class QmpTestClient : IDisposable
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(20);

    private readonly Socket _socket;
    private readonly StreamReader _reader;

    private QmpTestClient(Socket socket)
    {
        _socket = socket;
        _reader = new StreamReader(new NetworkStream(socket, ownsSocket: false), Encoding.UTF8);
    }

    public static async Task<QmpTestClient> ConnectAsync(string socketPath)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        using var timeout = new CancellationTokenSource(ReadTimeout);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), timeout.Token);
        return new QmpTestClient(socket);
    }

    /// <summary>Connects, reads the greeting and negotiates, as every real client starts.</summary>
    public static async Task<QmpTestClient> ConnectNegotiatedAsync(string socketPath)
    {
        var client = await ConnectAsync(socketPath);
        await client.ReadAsync();
        var reply = await client.ExecuteAsync("""{"execute": "qmp_capabilities"}""");
        Assert.True(reply.TryGetProperty("return", out _), reply.ToString());
        return client;
    }

    public Task SendAsync(string text) => _socket.SendAsync(Encoding.UTF8.GetBytes(text), SocketFlags.None);

    /// <summary>The next message, raw, without its CRLF; fails the test if none comes in time or the line ends otherwise.</summary>
    public async Task<string> ReadLineAsync()
    {
        using var timeout = new CancellationTokenSource(ReadTimeout);
        var line = new StringBuilder();
        var one = new char[1];
        while (await _reader.ReadAsync(one, timeout.Token) == 1)
        {
            line.Append(one[0]);
            if (line.Length >= 2 && line[^2] == '\r' && line[^1] == '\n')
            {
                return line.ToString(0, line.Length - 2);
            }
        }

        throw new IOException($"server closed the connection after \"{line}\"");
    }

    public async Task<JsonElement> ReadAsync() => JsonDocument.Parse(await ReadLineAsync()).RootElement.Clone();

    /// <summary>Sends a command and returns its reply, skipping events that arrive before it.</summary>
    public async Task<JsonElement> ExecuteAsync(string command)
    {
        await SendAsync(command + "\n");
        while (true)
        {
            var message = await ReadAsync();
            if (!message.TryGetProperty("event", out _))
            {
                return message;
            }
        }
    }

    public void Dispose()
    {
        _reader.Dispose();
        _socket.Dispose();
    }
}
