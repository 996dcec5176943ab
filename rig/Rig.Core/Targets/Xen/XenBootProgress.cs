using System.Diagnostics;
using System.Globalization;

namespace Rig.Targets.Xen;

/// <summary>
/// How far a xen-tcg boot got, read from its console log while the rig waits for dom0's agent: when Xen first spoke,
/// when the kit's init had loaded the Xen modules and when xenstored and xenconsoled were up (kit/init's `rig-init:`
/// lines), and when the log last grew. A boot is hung when the log stops growing, not when a fixed time has passed:
/// the same boot took 11 s on an idle host and 48–230 s at a load average of 50–120, and 300 s was once not enough.
/// </summary>
public sealed class XenBootProgress(string consoleLog, Stopwatch clock)
{
    private static readonly (string Stage, string Marker)[] Stages =
    [
        ("Xen's first line", "(XEN)"),
        ("dom0 init, Xen modules loaded", "rig-init: modules loaded"),
        ("xenstored and xenconsoled up", "rig-init: xenstored, xenconsoled up"),
    ];

    private readonly Dictionary<string, TimeSpan> _reached = new(StringComparer.Ordinal);
    private long _length = -1;

    /// <summary>When the console log last grew (QEMU's start until it first does).</summary>
    public TimeSpan LastOutput { get; private set; }

    /// <summary>Reads the log again: stages newly reached, and whether it grew.</summary>
    public void Poll()
    {
        long length;
        try
        {
            length = new FileInfo(consoleLog).Length;
        }
        catch (IOException)
        {
            return;
        }

        if (length == _length)
        {
            return;
        }

        _length = length;
        LastOutput = clock.Elapsed;
        if (_reached.Count == Stages.Length)
        {
            return;
        }

        string text;
        try
        {
            using var stream = new FileStream(consoleLog, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            text = reader.ReadToEnd();
        }
        catch (IOException)
        {
            return;
        }

        foreach (var (stage, marker) in Stages)
        {
            if (!_reached.ContainsKey(stage) && text.Contains(marker, StringComparison.Ordinal))
            {
                _reached[stage] = clock.Elapsed;
            }
        }
    }

    /// <summary>Each stage reached, in seconds after QEMU's start (to the rig's 1 s polling).</summary>
    public string Summary() =>
        string.Join(", ", Stages.Select(s => _reached.TryGetValue(s.Stage, out var at)
            ? string.Create(CultureInfo.InvariantCulture, $"{s.Stage} {at.TotalSeconds:0} s")
            : $"{s.Stage} not seen"));
}
