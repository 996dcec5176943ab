namespace Rig.Tests.Targets.Xen;

/// <summary>
/// The tests that boot Xen under QEMU TCG run alone, after the parallel ones: a nested Xen starved of the host's two CPUs
/// has its dom0 userland segfault (busybox, xenstored, xl; docs/notes/xen.md, session 9), and beside the other tests'
/// VMs a fresh-clone .ci/run once saw the rig's `xl create` go unanswered for 300 s.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class XenUnderTcgCollection
{
    public const string Name = "Xen under TCG";
}
