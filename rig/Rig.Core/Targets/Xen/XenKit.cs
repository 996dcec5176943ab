using Rig.Hosting;

namespace Rig.Targets.Xen;

/// <summary>
/// The xen-tcg kit: Debian's Xen as a multiboot ELF, the dom0 kernel and a dom0 initramfs holding xl and the rig's
/// agent, built by kit/build-xen-kit.sh from Debian's packages and cached under artifacts/xen-kit/&lt;key&gt;, the key
/// naming the exact package files, so it is built once per Debian point release and reused after.
/// </summary>
public sealed record XenKit(string Directory, string XenVersion, string KernelRelease)
{
    /// <summary>A first build downloads ~50 MB and unpacks it; a loaded host has taken over a minute.</summary>
    private static readonly TimeSpan BuildBound = TimeSpan.FromMinutes(10);

    public string XenElf => Path.Combine(Directory, "xen.elf");

    public string Dom0Kernel => Path.Combine(Directory, "vmlinuz");

    public string Dom0Initramfs => Path.Combine(Directory, "dom0.cpio.gz");

    /// <summary>Finds or builds the kit; a host that cannot build it gets the builder's "unavailable: reason" as the message.</summary>
    public static async Task<XenKit> BuildAsync(string repoRoot, CancellationToken cancellationToken = default)
    {
        var script = Path.Combine(repoRoot, "rig", "Rig.Core", "Targets", "Xen", "kit", "build-xen-kit.sh");
        var cache = Path.Combine(repoRoot, "artifacts", "xen-kit");
        System.IO.Directory.CreateDirectory(cache);
        var (code, stdout, stderr) = await ChildProcesses.RunAsync("bash", [script, cache], BuildBound, cancellationToken: cancellationToken).ConfigureAwait(false);
        var kitDir = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        if (code != 0 || kitDir is null)
        {
            var said = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var reason = said.LastOrDefault(l => l.StartsWith("unavailable: ", StringComparison.Ordinal))?["unavailable: ".Length..]
                ?? $"build-xen-kit.sh exited {code}: {string.Join(" | ", said.TakeLast(3))}";
            throw new XenKitUnavailableException(reason);
        }

        return Read(kitDir);
    }

    /// <summary>A built kit's versions file: <c>xen &lt;Debian version&gt;</c> and <c>kernel &lt;release&gt;</c> lines.</summary>
    public static XenKit Read(string directory)
    {
        var fields = File.ReadAllLines(Path.Combine(directory, "versions"))
            .Select(l => l.Split(' ', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        return new XenKit(directory, fields.GetValueOrDefault("xen", "?"), fields.GetValueOrDefault("kernel", "?"));
    }
}

/// <summary>The kit cannot be built here; the message is the reason, in words a user can act on.</summary>
public sealed class XenKitUnavailableException(string reason) : Exception(reason);
