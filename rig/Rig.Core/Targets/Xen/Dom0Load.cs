namespace Rig.Targets.Xen;

/// <summary>
/// dom0's CPUs spun by its agent (the <c>load</c> verb of kit/rig-agent) until disposed (<c>unload</c>): the load a case
/// puts on a Xen guest's host where the rig does not run in that dom0 (xen-tcg).
/// </summary>
public sealed class Dom0Load : IAsyncDisposable
{
    /// <summary>
    /// As long as an xl create: the verb forks a process per spinner in a dom0 whose vCPUs Xen shares with every guest
    /// vCPU, and with time.density's two 4-vCPU HVM guests and their device models up, 60 s went unanswered (xen-tcg-hvm).
    /// </summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(300);

    private readonly Dom0Agent _agent;

    private Dom0Load(Dom0Agent agent, string spinners)
    {
        _agent = agent;
        Spinners = spinners;
    }

    /// <summary>The agent's word on what spins: <c>spinners=N pids=...</c>.</summary>
    public string Spinners { get; }

    public static async Task<Dom0Load> StartAsync(Dom0Agent agent, CancellationToken cancellationToken)
    {
        AgentReply reply;
        try
        {
            reply = await agent.SendAsync("load", [], Bound, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The spinners may be up without their ack: they must not load every later case on this machine.
            await ((Task)agent.SendAsync("unload", [], Bound, CancellationToken.None)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }

        return new Dom0Load(agent, reply.ThrowIfFailed("load").Text);
    }

    public async ValueTask DisposeAsync() =>
        (await _agent.SendAsync("unload", [], Bound).ConfigureAwait(false)).ThrowIfFailed("unload");
}
