namespace Rig.Fuzz;

/// <summary>A rig-hv handler site as x-rig-coverage names it (hypervisor/Coverage/CoverageSite.cs).</summary>
public readonly record struct FuzzSite(string Interface, string Handler, ulong Detail)
{
    /// <summary>The fuzz interface (<see cref="FuzzInterfaces"/>) whose inputs reach this site.</summary>
    public int FuzzInterface => FuzzInterfaces.Of(Interface, Handler, Detail);
}
