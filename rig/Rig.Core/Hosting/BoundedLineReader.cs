using System.Text;

namespace Rig.Hosting;

/// <summary>
/// Reads '\n'-terminated lines from a stream a guest or another process controls. A peer that never
/// sends a newline must not make the rig grow a string without bound, so an over-long line is cut at
/// <see cref="MaxLineLength"/> characters and the rest of it, up to its newline, is read past and counted
/// (<see cref="LastLineDropped"/>). Delivering the rest as further lines would let a guest forge a record
/// (<c>RIG ok ...</c>) at any 64 KiB boundary of one long line.
/// </summary>
public sealed class BoundedLineReader(Stream stream, int maxLineLength = BoundedLineReader.DefaultMaxLineLength)
{
    public const int DefaultMaxLineLength = 64 * 1024;

    private readonly byte[] _buffer = new byte[4096];
    private readonly StringBuilder _line = new();
    private int _start;
    private int _end;
    private bool _dropping;

    public int MaxLineLength { get; } = maxLineLength;

    /// <summary>How many bytes of the line <see cref="ReadLineAsync"/> returned last were dropped past the limit (0: it came whole).</summary>
    public long LastLineDropped { get; private set; }

    /// <summary>The next line without its terminator, or null at end of stream (a trailing partial line is returned first).</summary>
    public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        LastLineDropped = 0;
        while (true)
        {
            while (_start < _end)
            {
                var b = _buffer[_start++];
                if (b == (byte)'\n')
                {
                    return Take();
                }

                if (_dropping)
                {
                    LastLineDropped++;
                    continue;
                }

                // Serial lines are ASCII by protocol; anything else is shown, not trusted.
                _line.Append(b is >= 0x20 and < 0x7f or (byte)'\t' ? (char)b : b == '\r' ? '\r' : '?');
                _dropping = _line.Length >= MaxLineLength;
            }

            _start = 0;
            _end = await stream.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
            if (_end == 0)
            {
                return _line.Length > 0 ? Take() : null;
            }
        }
    }

    private string Take()
    {
        _dropping = false;
        var s = _line.ToString().TrimEnd('\r');
        _line.Clear();
        return s;
    }
}
