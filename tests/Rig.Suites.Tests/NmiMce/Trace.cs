using Rig.Suites.NmiMce.Oracles;

namespace Rig.Suites.Tests.NmiMce;

/// <summary>Synthetic event traces, written as a probe's script would produce them.</summary>
internal sealed class Trace
{
    private readonly List<TraceEvent> _events = [];
    private int _round;
    private int _depth;
    private long _us;

    public IReadOnlyList<TraceEvent> Events => _events;

    public Trace Round() => Add(TraceWhat.Round, 0, _depth, round: ++_round);

    public Trace Ipi() => Add(TraceWhat.Ipi, TraceEvent.Nmi, _depth);

    public Trace Request(int vector = TraceEvent.Nmi, long ack = 0) => Add(TraceWhat.Request, vector, _depth, value: ack);

    public Trace Release() => Add(TraceWhat.Release, 0, _depth);

    /// <summary>A delivery to the target vCPU's held handler; <paramref name="held"/> false: logged and returned from at once.</summary>
    public Trace Deliver(int vector = TraceEvent.Nmi, bool held = true, ulong cs = 0x23)
    {
        Add(TraceWhat.Deliver, vector, ++_depth, cs: cs);
        if (!held)
        {
            _depth--;
        }

        return this;
    }

    public Trace Iret(int vector = TraceEvent.Nmi) => Add(TraceWhat.Iret, vector, _depth--);

    /// <summary>The target vCPU asked to execute INT <paramref name="vector"/>, or (<paramref name="faulted"/>) the fault it raised instead.</summary>
    public Trace Int(int vector, long faulted = 0) => Add(TraceWhat.Int, vector, _depth, value: faulted);

    /// <summary>The held handler about to take the fault it was asked for (vector 0: the instruction did not fault).</summary>
    public Trace Fault(int vector) => Add(TraceWhat.Fault, vector, _depth);

    private Trace Add(TraceWhat what, int vector, int depth, int? round = null, long value = 0, ulong cs = 0)
    {
        _us += 100;
        _events.Add(new TraceEvent(_events.Count, round ?? _round, what, vector, depth, _us, 0x101000, cs, value));
        return this;
    }
}
