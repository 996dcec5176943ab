using System.Text.Json.Nodes;
using Rig.Qmp;
using Rig.Targets;

namespace Rig.Fuzz;

/// <summary>
/// The host side of event channels under fuzz (issue 21): rig-hv's backend plays domain 0 (hypervisor/Qmp/EvtchnCommands.cs),
/// and on each ping the campaign sends it a few seeded commands while the probe rewrites FIFO words and control blocks
/// and binds, closes and re-prioritises ports: x-rig-evtchn-bind of a port, x-rig-evtchn-send bursts, x-rig-evtchn-virq
/// bursts on a vCPU, with random and edge ports (0, the last of the event array's four pages and the first past them,
/// 2^17 - 1, 2^17, 2^63), VIRQs (around NR_VIRQS, 24) and vCPUs (one past the last). A refusal is an answer; the oracle
/// is the VMM's survival within the QMP bound and the guest's own rules on the words the host raised.
/// </summary>
public sealed class HostEventChannelFuzz(Random random, int vcpus)
{
    public const int CommandsPerPing = 16;

    private static readonly ulong[] EdgePorts = [0, 4095, 4096, (1UL << 17) - 1, 1UL << 17, 1UL << 63];

    public int Commands { get; private set; }

    /// <summary>Commands the VMM carried out (the rest it refused with a QMP error, as it should for a port not bound to it).</summary>
    public int Accepted { get; private set; }

    public async Task RunAsync(IReferenceControls reference, TimeSpan bound, CancellationToken cancellationToken)
    {
        for (int i = 0; i < CommandsPerPing; i++)
        {
            var (name, arguments) = Next();
            Commands++;
            try
            {
                await reference.VendorCommandAsync(name, arguments, cancellationToken).WaitAsync(bound, cancellationToken).ConfigureAwait(false);
                Accepted++;
            }
            catch (QmpCommandException)
            {
                // Refused: an unbound port, a VIRQ nobody bound, a count out of range.
            }
        }
    }

    private (string Name, JsonObject Arguments) Next()
    {
        ulong count = (ulong)random.Next(1, 2001);
        return random.Next(4) switch
        {
            0 => ("x-rig-evtchn-bind", new JsonObject { ["port"] = Port() }),
            1 or 2 => ("x-rig-evtchn-send", new JsonObject { ["port"] = Port(), ["count"] = count }),
            _ => ("x-rig-evtchn-virq", new JsonObject { ["virq"] = (ulong)random.Next(26), ["vcpu"] = (ulong)random.Next(vcpus + 1), ["count"] = count }),
        };
    }

    /// <summary>Half the ports the probe's binds hand out first (1..64), some anywhere in the event array, some edges.</summary>
    private ulong Port() => random.Next(10) switch
    {
        < 5 => (ulong)random.Next(1, 65),
        < 8 => (ulong)random.Next(1, 4096),
        _ => EdgePorts[random.Next(EdgePorts.Length)],
    };
}
