using System.Text;

namespace Rig.Hosting;

/// <summary>
/// A child's stderr within a bound: its first lines (how it started) and its last (how it ended, where a crash says
/// why), with a count of the lines left out between. rig-hv under the fuzzer logged 64 KiB of unbacked-port lines and
/// then aborted (exit 134); a log that kept only its head had lost the abort's reason.
/// </summary>
public sealed class HeadAndTailLog(int headChars, int tailLines, int maxLineChars = 4096)
{
    private readonly Lock _lock = new();
    private readonly StringBuilder _head = new();
    private readonly Queue<string> _tail = new();
    private long _leftOut;

    public void Add(string line)
    {
        if (line.Length > maxLineChars)
        {
            line = string.Concat(line.AsSpan(0, maxLineChars), " ~cut");
        }

        lock (_lock)
        {
            if (_tail.Count == 0 && _head.Length + line.Length + 1 <= headChars)
            {
                _head.Append(line).Append('\n');
                return;
            }

            _tail.Enqueue(line);
            if (_tail.Count > tailLines)
            {
                _tail.Dequeue();
                _leftOut++;
            }
        }
    }

    public override string ToString()
    {
        lock (_lock)
        {
            var text = new StringBuilder().Append(_head);
            if (_leftOut > 0)
            {
                text.Append("[… ").Append(_leftOut).Append(" lines left out …]\n");
            }

            foreach (var line in _tail)
            {
                text.Append(line).Append('\n');
            }

            return text.ToString();
        }
    }
}
