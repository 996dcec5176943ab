using System.Diagnostics;
using Rig.Hypervisor.Cli;
using Rig.Hypervisor.Tests.Guests;

namespace Rig.Hypervisor.Tests;

/// <summary>rig-hv's command line: parsing, and the process's answer to a bad image (a clear message, status 2, no hang).</summary>
public sealed class CommandLineTests
{
    [Fact]
    public void Options_parse_with_sizes_repeats_and_unix_prefix()
    {
        var parsed = HvArguments.Parse(
            ["--image", "p.elf", "--vcpus", "4", "--memory", "1G", "--qmp", "unix:/run/x.sock", "--defect", "a", "--defect", "b",
             "--irqchip", "kernel", "--timeout", "2.5", "--append", "k=v x"]);

        Assert.Equal(4, parsed.Vcpus);
        Assert.Equal(1UL << 30, parsed.MemoryBytes);
        Assert.Equal("/run/x.sock", parsed.Qmp);
        Assert.Equal(["a", "b"], parsed.Defects);
        Assert.Equal(Vm.IrqchipMode.Kernel, parsed.Irqchip);
        Assert.Equal(TimeSpan.FromSeconds(2.5), parsed.Timeout);
        Assert.Equal("k=v x", parsed.CommandLine);
    }

    [Theory]
    [InlineData("--vcpus", "x")]
    [InlineData("--memory", "12Q")]
    [InlineData("--irqchip", "split")]
    [InlineData("--machine", "q35")]
    [InlineData("--timeout", "-1")]
    [InlineData("--bogus", "1")]
    public void Bad_options_are_named(string option, string value)
    {
        var e = Assert.Throws<UsageException>(() => HvArguments.Parse(["--image", "p.elf", option, value]));
        Assert.Contains(option, e.Message);
    }

    [Fact]
    public void The_xen_pvh_machine_is_chosen_by_name_and_refuses_the_in_kernel_irqchip()
    {
        Assert.Equal(Vm.MachineType.Pc, HvArguments.Parse(["--image", "p.elf"]).Machine);
        Assert.Equal(Vm.MachineType.XenPvh, HvArguments.Parse(["--image", "p.elf", "--machine", "xen-pvh"]).Machine);
        var e = Assert.Throws<UsageException>(() => HvArguments.Parse(["--image", "p.elf", "--machine", "xen-pvh", "--irqchip", "kernel"]));
        Assert.Contains("--irqchip user", e.Message);
    }

    [Fact]
    public void Start_paused_needs_qmp_to_be_continued()
    {
        Assert.True(HvArguments.Parse(["--image", "p.elf", "--qmp", "q.sock", "-S"]).StartPaused);
        var e = Assert.Throws<UsageException>(() => HvArguments.Parse(["--image", "p.elf", "-S"]));
        Assert.Contains("-S needs --qmp", e.Message);
    }

    /// <summary>The NativeAOT rig-hv the rig runs (rig.json), and the JIT build kept for debugging.</summary>
    public static TheoryData<string> Builds() => ["aot", "jit"];

    [Theory]
    [MemberData(nameof(Builds))]
    public async Task Malformed_image_exits_2_with_the_reason(string build)
    {
        string image = Path.GetTempFileName();
        File.WriteAllBytes(image, [0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1]);
        try
        {
            var (status, _, stderr) = await RunAsync(build, "--image", image);
            Assert.Equal(2, status);
            Assert.Contains("not an ELF", stderr);
        }
        finally
        {
            File.Delete(image);
        }
    }

    [Theory]
    [MemberData(nameof(Builds))]
    public async Task Trace_start_reports_every_stage_in_order_up_to_the_first_byte(string build)
    {
        var guest = GuestSnippets.New32();
        guest.Print("X");
        guest.DebugExit(0);
        string image = Path.GetTempFileName();
        File.WriteAllBytes(image, PvhElf.Build(guest));
        try
        {
            var (status, stdout, stderr) = await RunAsync(build, "--image", image, "--trace-start", "--timeout", "50");
            Assert.Equal(1, status);
            Assert.Equal("X", stdout);
            var stages = stderr.Split('\n').Select(line => line.Split(' ')).Where(f => f is ["rig-hv:", "start", _, _, _]).ToList();
            Assert.Equal(
                ["main", "image-read", "kvm-vm-created", "memory-mapped", "vcpus-created", "image-loaded", "vm-built", "first-kvm-run", "first-com1-byte"],
                stages.Select(f => f[2]));
            var ns = stages.Select(f => long.Parse(f[3], System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(ns.Order(), ns);
            var cpuNs = stages.Select(f => long.Parse(f[4], System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(cpuNs.Order(), cpuNs);
            Assert.True(cpuNs[^1] > 0, "the process used no CPU by its first byte?");
        }
        finally
        {
            File.Delete(image);
        }
    }

    private static async Task<(int Status, string Stdout, string Stderr)> RunAsync(string build, params string[] arguments)
    {
        var start = build == "aot"
            ? new ProcessStartInfo(Path.Combine(RepoRoot(), "artifacts", "publish", "Rig.Hypervisor", "release_linux-x64", "rig-hv"), arguments)
            : new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "rig-hv.dll"), .. arguments]);
        start.RedirectStandardError = true;
        start.RedirectStandardOutput = true;
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"rig-hv ({build}) {string.Join(' ', arguments)} did not exit");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Rig.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Rig.sln not found above the test's binary");
    }
}
