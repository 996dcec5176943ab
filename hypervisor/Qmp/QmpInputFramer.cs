namespace Rig.Hypervisor.Qmp;

/// <summary>
/// Cuts a client's byte stream into JSON texts the way QEMU's JSON streamer (qobject/json-streamer.c) does: a text ends
/// when its outermost brace or bracket closes, so one line may hold several commands and one command may span lines.
/// Bare top-level scalars or garbage end at a newline. Limits (QEMU: 64 MiB, depth 1024) keep a hostile client from
/// growing the buffer without end; overstepping one yields an error text and the framer starts afresh.
/// </summary>
internal sealed class QmpInputFramer(int maxTextBytes = QmpInputFramer.DefaultMaxTextBytes, int maxDepth = QmpInputFramer.DefaultMaxDepth)
{
    public const int DefaultMaxTextBytes = 1 << 20;
    public const int DefaultMaxDepth = 1024;

    private readonly List<byte> _pending = [];
    private int _depth;
    private bool _inString;
    private bool _escaped;
    private bool _overLimit;

    /// <summary>One framed input: either a complete JSON text to parse or the reason framing had to give up on it.</summary>
    public readonly record struct Frame(byte[] Text, string? Error);

    /// <summary>Consumes <paramref name="bytes"/> and returns every text they complete.</summary>
    public IReadOnlyList<Frame> Push(ReadOnlySpan<byte> bytes)
    {
        var frames = new List<Frame>();
        foreach (byte b in bytes)
        {
            if (!_overLimit)
            {
                _pending.Add(b);
            }

            if (Advance(b) is { } frame)
            {
                frames.Add(frame);
            }
        }

        return frames;
    }

    private Frame? Advance(byte b)
    {
        if (_inString)
        {
            if (_escaped)
            {
                _escaped = false;
            }
            else if (b == (byte)'\\')
            {
                _escaped = true;
            }
            else if (b == (byte)'"')
            {
                _inString = false;
            }

            return CheckSize();
        }

        switch (b)
        {
            case (byte)'"':
                _inString = true;
                break;
            case (byte)'{' or (byte)'[':
                if (++_depth > maxDepth)
                {
                    _overLimit = true;
                }

                break;
            case (byte)'}' or (byte)']':
                _depth--;
                if (_depth <= 0)
                {
                    return Complete();
                }

                break;
            case (byte)'\n' when _depth == 0:
                return _pending.Any(c => !IsJsonWhitespace(c)) ? Complete() : Discard();
        }

        return CheckSize();
    }

    private Frame? CheckSize()
    {
        if (_pending.Count > maxTextBytes)
        {
            _overLimit = true;
            _pending.Clear();
        }

        return null;
    }

    private Frame Complete()
    {
        var frame = _overLimit
            ? new Frame([], $"JSON parse error, input exceeds {maxTextBytes} bytes or nesting depth {maxDepth}")
            : new Frame([.. _pending], null);
        Reset();
        return frame;
    }

    private Frame? Discard()
    {
        Reset();
        return null;
    }

    private void Reset()
    {
        _pending.Clear();
        _depth = 0;
        _inString = false;
        _escaped = false;
        _overLimit = false;
    }

    private static bool IsJsonWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';
}
