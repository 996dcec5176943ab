using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Rig.Hypervisor.Coverage;

/// <summary>
/// Which of rig-hv's handlers guest inputs reached, and how often: the feedback of <c>rig fuzz</c> (issue 21), which
/// weights the interfaces whose inputs found new sites, as syzkaller weights programs by new coverage. Counted by the VMM
/// itself at its exit dispatch, so it costs one dictionary lookup per exit and needs no instrumented build. Sites are kept
/// in the order they were first reached, so a client pages through them (a QMP reply is one bounded line) and later asks
/// only for the new ones. The table is bounded: a guest sweeping MSR indices or ports cannot grow it without limit (past
/// <see cref="MaxSites"/> new sites are only counted in <see cref="Dropped"/>).
/// </summary>
public sealed class HandlerCoverage
{
    public const int MaxSites = 1 << 16;

    private readonly ConcurrentDictionary<CoverageSite, StrongBox<long>> _counts = new();
    private readonly List<CoverageSite> _order = [];
    private readonly Lock _lock = new();
    private long _dropped;

    /// <summary>Hits of sites that arrived after the table was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _order.Count;
            }
        }
    }

    public void Hit(string @interface, string handler, ulong detail)
    {
        var site = new CoverageSite(@interface, handler, detail);
        if (!_counts.TryGetValue(site, out var count))
        {
            lock (_lock)
            {
                if (!_counts.TryGetValue(site, out count))
                {
                    if (_order.Count >= MaxSites)
                    {
                        Interlocked.Increment(ref _dropped);
                        return;
                    }

                    count = new StrongBox<long>();
                    _counts[site] = count;
                    _order.Add(site);
                }
            }
        }

        Interlocked.Increment(ref count.Value);
    }

    /// <summary>At most <paramref name="max"/> sites from the <paramref name="from"/>th reached, with their counts so far.</summary>
    public IReadOnlyList<(CoverageSite Site, long Hits)> Page(int from, int max)
    {
        lock (_lock)
        {
            int start = Math.Clamp(from, 0, _order.Count);
            return [.. _order.Skip(start).Take(Math.Max(0, max)).Select(s => (s, Interlocked.Read(ref _counts[s].Value)))];
        }
    }
}
