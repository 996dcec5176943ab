namespace Rig.Probes.Host;

/// <summary>Where the image build puts probes: artifacts/probes/&lt;Name&gt;.elf under the repository root.</summary>
public static class ProbeImages
{
    public static string Directory(string repoRoot) => Path.Combine(repoRoot, "artifacts", "probes");

    public static string PathOf(string repoRoot, string name) => Path.Combine(Directory(repoRoot), name + ".elf");

    /// <summary>The repository root: the nearest ancestor of <paramref name="start"/> holding Rig.sln.</summary>
    public static string FindRepoRoot(string start)
    {
        for (DirectoryInfo? d = new(start); d != null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Rig.sln")))
            {
                return d.FullName;
            }
        }
        throw new DirectoryNotFoundException($"no Rig.sln above {start}");
    }
}
