using System.Text;
using System.Threading.Channels;

namespace Rig.Targets.Xen;

/// <summary>
/// The COM2 protocol (docs/protocol.md) of a guest that has only its PV console: the guest's <c>RIG-REQ</c> lines are
/// picked out of its console and read here; each ack the rig writes goes back into the guest's console input through
/// the agent. <see cref="Rig.Com2.Com2Channel"/> serves it as it serves a UART.
/// </summary>
public sealed class ConsoleControlStream(Dom0Agent agent, string domain) : Stream
{
    private static readonly TimeSpan InputBound = TimeSpan.FromSeconds(30);
    private readonly Channel<byte[]> _fromGuest = Channel.CreateUnbounded<byte[]>();
    private readonly StringBuilder _toGuest = new();
    private ReadOnlyMemory<byte> _pending;

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>A request line the guest printed on its console.</summary>
    public void FromGuest(string line) => _fromGuest.Writer.TryWrite(Encoding.ASCII.GetBytes(line + "\n"));

    /// <summary>The guest's console closed: reads end.</summary>
    public void GuestGone() => _fromGuest.Writer.TryComplete();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_pending.IsEmpty)
        {
            if (!await _fromGuest.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false) || !_fromGuest.Reader.TryRead(out var next))
            {
                return 0;
            }

            _pending = next;
        }

        var n = Math.Min(buffer.Length, _pending.Length);
        _pending[..n].CopyTo(buffer);
        _pending = _pending[n..];
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _toGuest.Append(Encoding.ASCII.GetString(buffer.Span));
        var text = _toGuest.ToString();
        var end = text.LastIndexOf('\n');
        if (end < 0)
        {
            return;
        }

        _toGuest.Remove(0, end + 1);
        foreach (var line in text[..end].Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            (await agent.SendAsync("input", [domain, line], InputBound, cancellationToken).ConfigureAwait(false)).ThrowIfFailed("input to " + domain);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("read asynchronously");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("write asynchronously");

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
