using System.Globalization;
using System.Text.RegularExpressions;
using Rig.Config;
using Rig.Hosting;

namespace Rig.Targets;

/// <summary>
/// The project's own hypervisor, <c>rig-hv</c> (hypervisor/): one process per VM, a QMP subset plus
/// <c>x-rig-*</c> extensions (snapshots), and seeded defects for <c>rig mutate</c>. rig-hv listens on its
/// sockets; the rig connects.
/// </summary>
public sealed class ReferenceTarget(string name, TargetOptions options, string repoRoot) : ITarget
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(15);
    private readonly Lazy<TargetAvailability> _availability = new(() => CheckAvailability(options, repoRoot));

    public string Name { get; } = name;

    public TargetAvailability Probe() => _availability.Value;

    public async Task<IVm> BootAsync(VmSpec spec, CancellationToken cancellationToken)
    {
        var binary = ExecutablePath.Find(RepoRoot.ResolveCommand(repoRoot, options.Binary))
            ?? throw new InvalidOperationException($"{Name}: {options.Binary} not found");
        var sockets = VmSockets.CreateTemporary();
        var args = new List<string>
        {
            "--image", spec.ImagePath,
            "--vcpus", spec.Vcpus.ToString(CultureInfo.InvariantCulture),
            "--memory", $"{options.MemoryMb}M",
            "--qmp", "unix:" + sockets.Qmp,
            "--com1", "unix:" + sockets.Com1,
            "--com2", "unix:" + sockets.Com2,
            "--append", spec.Append,

            // Paused until the rig, connected to COM1 and COM2, sends cont: output written before it connects is lost, and
            // the NativeAOT rig-hv has its guest printing ~20 ms after the spawn (evtchn.fifo-abi lost its first lines).
            "-S",

            // rig-hv's own watchdog backs up the rig's: it also holds if the rig is frozen rather than killed.
            "--timeout", ((int)Math.Ceiling(spec.Watchdog.TotalSeconds)).ToString(CultureInfo.InvariantCulture),
        };
        if (options.Irqchip.Length > 0)
        {
            args.AddRange(["--irqchip", options.Irqchip]);
        }

        if (spec.Defect is not null)
        {
            args.AddRange(["--defect", spec.Defect]);
        }

        args.AddRange(options.ExtraArgs);
        var launch = new VmLaunch(Name, binary, args, sockets, RigListens: false, HasVendorCommands: true, StartsPaused: true);
        return await QmpVm.StartAsync(launch, spec.Watchdog, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The seeded defects this rig-hv knows (<c>rig-hv --list-defects</c>: one per line, the name first).</summary>
    /// <summary>rig-hv's seeded defects with the suite area each models (`name (seed NNN, area): description` per line).</summary>
    public IReadOnlyList<(string Name, string Area)> ListDefects()
    {
        var binary = ExecutablePath.Find(RepoRoot.ResolveCommand(repoRoot, options.Binary))
            ?? throw new InvalidOperationException($"{Name}: {options.Binary} not found");
        var (code, stdout, stderr) = ChildProcesses.RunAsync(binary, ["--list-defects"], ToolTimeout).GetAwaiter().GetResult();
        if (code != 0)
        {
            throw new InvalidOperationException($"{Name}: rig-hv --list-defects failed (exit {code}): {stderr.Trim()}");
        }

        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => Regex.Match(line, @"^(\S+)(?: \(seed [^,]*, ([^)]*)\))?"))
            .Select(m => (m.Groups[1].Value, m.Groups[2].Value))
            .ToList();
    }

    private static TargetAvailability CheckAvailability(TargetOptions options, string repoRoot)
    {
        if (ExecutablePath.Find(RepoRoot.ResolveCommand(repoRoot, options.Binary)) is not { } binary)
        {
            return TargetAvailability.Unavailable($"{options.Binary} not found: build hypervisor/Rig.Hypervisor.csproj");
        }

        try
        {
            // --list-defects proves the binary starts (runtime present, not a stale half-build) without needing KVM.
            var (code, _, stderr) = ChildProcesses.RunAsync(binary, ["--list-defects"], ToolTimeout).GetAwaiter().GetResult();
            if (code != 0)
            {
                return TargetAvailability.Unavailable($"{binary} --list-defects failed (exit {code}): {stderr.Trim()}");
            }
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            return TargetAvailability.Unavailable($"{binary} does not start: {e.Message}");
        }

        var version = Version(binary);
        return KvmDevice.ProblemOpening() is { } problem
            ? TargetAvailability.Unavailable(problem, version)
            : TargetAvailability.Ready(version);
    }

    /// <summary>
    /// <c>rig-hv --version</c> when it has one; otherwise a fingerprint of the build (hash of the managed
    /// assembly beside the apphost), so two runs can still tell whether they used the same hypervisor.
    /// </summary>
    private static string Version(string binary)
    {
        try
        {
            var (code, stdout, _) = ChildProcesses.RunAsync(binary, ["--version"], ToolTimeout).GetAwaiter().GetResult();
            if (code == 0 && stdout.Trim().Length > 0)
            {
                return stdout.Trim();
            }
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            // Fall through to the fingerprint.
        }

        var assembly = File.Exists(binary + ".dll") ? binary + ".dll" : binary;
        using var stream = File.OpenRead(assembly);
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream))[..12];
        return $"rig-hv build {hash} ({File.GetLastWriteTimeUtc(assembly):yyyy-MM-dd HH:mm} UTC)";
    }
}
