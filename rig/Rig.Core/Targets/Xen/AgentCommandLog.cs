using System.Globalization;
using System.Text;

namespace Rig.Targets.Xen;

/// <summary>
/// The latest commands sent to the dom0 agent, with when each was sent and answered. rig-agent runs one command at a
/// time, so a command left unanswered has usually waited behind an earlier one that never finished: the timeout names
/// that one. (A full run on xen-tcg errored "no answer to 'new' within 120 s" twice with nothing else to go on.)
/// </summary>
public sealed class AgentCommandLog
{
    private const int Kept = 6;
    private const int CommandChars = 80;

    private readonly Queue<Entry> _entries = new();

    /// <summary>Notes command <paramref name="seq"/> (its line without a payload) as sent at <paramref name="nowTicks"/> (Stopwatch ticks).</summary>
    public void Sent(long seq, string command, long nowTicks)
    {
        lock (_entries)
        {
            _entries.Enqueue(new Entry(seq, command.Length > CommandChars ? command[..CommandChars] + "…" : command, nowTicks));
            if (_entries.Count > Kept)
            {
                _entries.Dequeue();
            }
        }
    }

    /// <summary>Notes the ack of <paramref name="seq"/>, also one that came after its sender stopped waiting.</summary>
    public void Answered(long seq, bool ok, long nowTicks)
    {
        lock (_entries)
        {
            if (_entries.FirstOrDefault(e => e.Seq == seq) is { } entry)
            {
                entry.AnsweredTicks = nowTicks;
                entry.Ok = ok;
            }
        }
    }

    /// <summary>The kept commands, newest first, each with its age and how long its answer took (or that none came).</summary>
    public string Describe(long nowTicks)
    {
        lock (_entries)
        {
            var text = new StringBuilder();
            foreach (var e in _entries.Reverse())
            {
                text.Append(text.Length == 0 ? "" : "; ");
                text.Append(CultureInfo.InvariantCulture, $"#{e.Seq} '{e.Command}' sent {Seconds(nowTicks - e.SentTicks)} s ago, ");
                text.Append(e.AnsweredTicks is { } answered
                    ? string.Create(CultureInfo.InvariantCulture, $"answered {(e.Ok ? "ok" : "err")} after {Seconds(answered - e.SentTicks)} s")
                    : "unanswered");
            }

            return text.ToString();
        }
    }

    private static string Seconds(long ticks) =>
        (ticks / (double)System.Diagnostics.Stopwatch.Frequency).ToString("0.0", CultureInfo.InvariantCulture);

    private sealed class Entry(long seq, string command, long sentTicks)
    {
        public long Seq { get; } = seq;

        public string Command { get; } = command;

        public long SentTicks { get; } = sentTicks;

        public long? AnsweredTicks { get; set; }

        public bool Ok { get; set; }
    }
}
