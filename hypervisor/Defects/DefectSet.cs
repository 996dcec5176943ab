namespace Rig.Hypervisor.Defects;

/// <summary>The defects switched on in this VM. Code that models a defect asks <see cref="IsOn"/> at the faulty spot.</summary>
public sealed class DefectSet
{
    private readonly HashSet<string> _on = new(StringComparer.Ordinal);

    public static DefectSet None => new();

    public IReadOnlyCollection<string> Enabled => _on;

    public bool IsOn(string name) => _on.Contains(name);

    /// <summary>Switches a defect on; an unknown name is an error that lists the known ones.</summary>
    public void Enable(string name)
    {
        if (DefectCatalog.Find(name) is null)
        {
            throw new ArgumentException(
                $"unknown defect '{name}'; known: {string.Join(", ", DefectCatalog.All.Select(d => d.Name))}");
        }

        _on.Add(name);
    }
}
