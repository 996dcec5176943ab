namespace Rig.Compare;

/// <summary>Which way a metric moving is bad: latency up is worse, throughput down is; drift either way.</summary>
public enum WorseDirection
{
    Either,
    Up,
    Down,
}
