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
    private const int MaxTranscriptLines = 10_000;
    private readonly List<string> _transcript = [];

    /// <summary>Everything said on COM2 in both directions, prefixed "&lt; " (guest) and "&gt; " (host).</summary>
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

            var ack = await handler.HandleAsync(request, control, cancellationToken).ConfigureAwait(false);
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

    private void Note(string line)
    {
        lock (_transcript)
        {
            // A chatty probe must not fill the rig's memory; the start of a transcript is the part that explains a failure.
            if (_transcript.Count < MaxTranscriptLines)
            {
                _transcript.Add(line);
            }
        }
    }
}
