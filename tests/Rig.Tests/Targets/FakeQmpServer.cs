using System.Net.Sockets;
using System.Text;
using Rig.Hosting;

namespace Rig.Tests.Targets;

/// <summary>A scripted QMP peer on a socket pair, for what a real QEMU will not do on demand: die mid-command, speak garbage.</summary>
public sealed class FakeQmpServer : IDisposable
{
    private readonly Socket _server;

    public FakeQmpServer()
    {
        var path = Path.Combine(Path.GetTempPath(), "rig-fake-" + Guid.NewGuid().ToString("N")[..8]);
        using var listener = UnixSockets.Listen(path);
        ClientSocket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        ClientSocket.Connect(new UnixDomainSocketEndPoint(path));
        _server = listener.Accept();
        File.Delete(path);
        Reader = new BoundedLineReader(new NetworkStream(_server));
    }

    public Socket ClientSocket { get; }

    public BoundedLineReader Reader { get; }

    public const string Greeting = """{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": "fake"}, "capabilities": []}}""";

    public void Send(string line) => _server.Send(Encoding.UTF8.GetBytes(line + "\n"));

    /// <summary>Reads one command line from the client and returns it.</summary>
    public async Task<string> ReceiveAsync() =>
        await Reader.ReadLineAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20)) ?? throw new EndOfStreamException();

    /// <summary>Greets and accepts qmp_capabilities, as a QMP server must before anything else.</summary>
    public async Task HandshakeAsync()
    {
        Send(Greeting);
        var capabilities = await ReceiveAsync();
        Assert.Contains("qmp_capabilities", capabilities, StringComparison.Ordinal);
        Send("""{"return": {}, "id": 1}""");
    }

    public void Close() => _server.Close();

    public void Dispose()
    {
        _server.Dispose();
        ClientSocket.Dispose();
    }
}
