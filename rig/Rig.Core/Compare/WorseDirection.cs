namespace Rig.Compare;

/// <summary>
/// Which way a metric moving is bad: latency up is worse, throughput down is. <see cref="Unknown"/> (what a metric
/// no rule knows gets) reports a significant move as a change, never as a regression or an improvement; <see
/// cref="Either"/> says any move is worse (a metric that should stay where it is).
/// </summary>
public enum WorseDirection
{
    Unknown,
    Up,
    Down,
    Either,
}
