using System.Collections.Concurrent;
using Rig.Hosting;

namespace Rig.Targets.Xen;

/// <summary>
/// The probe images as an HVM guest's device model can boot them. Debian's device model is QEMU's i386 target
/// (xen-qemu-system-i386), whose direct kernel boot loads a PVH ELF only of its own machine, EM_386: given the probes'
/// ELF64 images it exits with "Error while loading elf kernel" (seen on xen-tcg). objcopy -O elf32-i386 rewrites the
/// headers around the same bytes (load addresses and XEN_ELFNOTE_PHYS32_ENTRY are below 4 GiB; the entry starts in
/// 32-bit protected mode either way, PVH boot ABI), so the guest runs the very code the other targets run.
/// </summary>
public static class HvmProbeImages
{
    private static readonly TimeSpan ToolBound = TimeSpan.FromSeconds(60);
    private static readonly ConcurrentDictionary<string, Lazy<Task<string>>> Converted = new(StringComparer.Ordinal);

    /// <summary>A directory holding every *.elf of <paramref name="probeDirectory"/> as ELF32, converted once per run.</summary>
    public static Task<string> DirectoryAsync(string probeDirectory) =>
        Converted.GetOrAdd(Path.GetFullPath(probeDirectory), d => new Lazy<Task<string>>(() => ConvertAsync(d))).Value;

    /// <summary>Why a host cannot convert them, or null when it can.</summary>
    public static string? Unavailable() =>
        ExecutablePath.Find("objcopy") is null
            ? "objcopy not found (binutils): HVM guests boot ELF32 copies of the probes, the only ELF the i386 device model loads"
            : null;

    private static async Task<string> ConvertAsync(string probeDirectory)
    {
        var output = Path.Combine(Path.GetTempPath(), "rig-xen-hvm-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(output);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(output, recursive: true);
        foreach (var image in Directory.GetFiles(probeDirectory, "*.elf"))
        {
            var (code, _, stderr) = await ChildProcesses.RunAsync("objcopy", ["-O", "elf32-i386", image, Path.Combine(output, Path.GetFileName(image))], ToolBound).ConfigureAwait(false);
            if (code != 0)
            {
                throw new InvalidOperationException($"objcopy -O elf32-i386 {image} failed: {stderr.Trim()}");
            }
        }

        return output;
    }
}
