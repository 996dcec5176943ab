namespace Rig.Tests.Config;

/// <summary>A throwaway directory with a rig.json, standing in for a checkout.</summary>
public sealed class TemporaryCheckout : IDisposable
{
    public const string ValidTargets = """
        "targets": {
          "qemu-kvm": { "kind": "qemu", "binary": "qemu-system-x86_64", "accel": "kvm", "machine": "microvm" },
          "reference": { "kind": "reference", "binary": "artifacts/publish/Rig.Hypervisor/release_linux-x64/rig-hv" }
        }
        """;

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("rig-config-");

    public TemporaryCheckout(string rigJson)
    {
        File.WriteAllText(Path.Combine(_dir.FullName, "rig.json"), rigJson);
    }

    public string Root => _dir.FullName;

    public void Dispose() => _dir.Delete(recursive: true);
}
