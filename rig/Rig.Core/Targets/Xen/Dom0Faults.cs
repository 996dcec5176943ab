namespace Rig.Targets.Xen;

/// <summary>
/// dom0's own faults, read from a xen-tcg machine's console log as it grows. Under nested TCG dom0's user memory has
/// gone bad (busybox, xl, xenstored and qemu-xen segfaults; a guest config arriving garbled in dom0's /tmp), with one
/// emulated CPU (<c>thread=single</c>) as with two: a machine in that state answers later cases wrongly or not at all,
/// so a case's evidence names these lines and the next case gets a fresh machine. The markers are the lines Linux
/// prints for a user fault (arch/x86/mm/fault.c show_signal_msg, arch/x86/kernel/traps.c) and for its own death.
/// </summary>
public sealed class Dom0Faults(string consoleLog)
{
    private static readonly string[] Markers = [": segfault at ", "traps: ", "general protection fault", "Kernel panic", "BUG: "];

    private readonly Lock _lock = new();
    private readonly List<string> _lines = [];
    private long _offset;

    /// <summary>Every fault line the log holds so far.</summary>
    public IReadOnlyList<string> Poll()
    {
        lock (_lock)
        {
            try
            {
                using var stream = new FileStream(consoleLog, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                stream.Seek(_offset, SeekOrigin.Begin);
                using var buffer = new MemoryStream();
                stream.CopyTo(buffer);
                var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);

                // Bytes, not text: the log holds whatever the consoles wrote. A line still being written is read whole next time.
                var complete = bytes.LastIndexOf((byte)'\n') + 1;
                _offset += complete;
                var lines = System.Text.Encoding.Latin1.GetString(bytes[..complete]).Split('\n');
                _lines.AddRange(lines.Where(l => Markers.Any(m => l.Contains(m, StringComparison.Ordinal))).Select(l => l.TrimEnd('\r')));
            }
            catch (IOException)
            {
                // The log is gone with its machine: what was read stays.
            }

            return [.. _lines];
        }
    }
}
