using System.Diagnostics;
using System.Globalization;
using System.Text;
using Rig.Hosting;
using Rig.Targets;

namespace Rig.Com2;

/// <summary>
/// Serves a probe's COM2: reads <c>RIG-REQ</c> lines, has the handler perform each, writes the ack.
/// Requests are handled one at a time in arrival order, as the probe waits for each ack.
/// Lines that are not requests are kept as the channel's log.
/// </summary>
public sealed class Com2Channel(Stream stream, IControlPlane control, IHostActionHandler handler)
{
    /// <summary>The reason of the error ack for an action whose control plane did not answer in time.</summary>
    public const string ControlPlaneTimeout = "control-plane-timeout";

    /// <summary>The reason of the error ack for an action the control plane reported as failed.</summary>
    public const string ControlPlaneFailed = "control-plane-failed";

    /// <summary>How the transcript starts the note of a request whose control plane failed or did not answer, then why.</summary>
    public static string FailedNote(string action) => $"! {action}:";

    private const int MaxTranscriptLines = 10_000;
    private readonly List<string> _transcript = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    /// <summary>
    /// Everything said on COM2 in both directions, prefixed "&lt; " (guest) and "&gt; " (host), and "! " for why the host
    /// answered err itself; each line ends with when the host read or wrote it (<c>t=</c> seconds since the channel was
    /// set up), so a slow answer shows whose it was: a probe that timed out on an ack the transcript shows sent needs the time.
    /// </summary>
    public IReadOnlyList<string> Transcript
    {
        get
        {
            lock (_transcript)
            {
                return [.. _transcript];
            }
        }
    }

    /// <summary>Runs until the guest side closes or <paramref name="cancellationToken"/> fires.</summary>
    public async Task ServeAsync(CancellationToken cancellationToken)
    {
        var reader = new BoundedLineReader(stream, maxLineLength: 4096);
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            Note("< " + line);
            if (HostRequest.TryParse(line) is not { } request)
            {
                continue;
            }

            var ack = await PerformAsync(request, cancellationToken).ConfigureAwait(false);
            if (ack is null)
            {
                continue;
            }

            var wire = ack.ToWire();
            Note("> " + wire);
            await stream.WriteAsync(Encoding.ASCII.GetBytes(wire + "\n"), cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The handler's ack, or an error ack when the control plane did not answer within its own bound
    /// (<see cref="ControlPlaneTimeout"/>: an xl command through dom0's agent, which under TCG and load takes minutes) or
    /// said it failed (<see cref="ControlPlaneFailed"/>: the agent's err for an xl command that exited nonzero). The probe
    /// waits for an answer (docs/protocol.md), so it gets one, and later requests are served: a channel that went silent
    /// instead kept time.snapshot-revert's probe on xen-tcg-hvm waiting its whole answer bound (docs/notes/xen.md). Why
    /// goes into the transcript, the one place that evidence is kept.
    /// </summary>
    private async Task<HostAck?> PerformAsync(HostRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await handler.HandleAsync(request, control, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or IOException)
        {
            Note($"{FailedNote(request.Action)} {e.Message}");
            return HostAck.Error(request.Seq, e is TimeoutException ? ControlPlaneTimeout : ControlPlaneFailed);
        }
    }

    private void Note(string line)
    {
        lock (_transcript)
        {
            // A chatty probe must not fill the rig's memory; the start of a transcript is the part that explains a failure.
            if (_transcript.Count < MaxTranscriptLines)
            {
                _transcript.Add(string.Create(CultureInfo.InvariantCulture, $"{line}  (t={_clock.Elapsed.TotalSeconds:0.000} s)"));
            }
        }
    }
}
