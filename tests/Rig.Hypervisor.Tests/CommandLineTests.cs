using System.Diagnostics;
using Rig.Hypervisor.Cli;

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
    public async Task Malformed_image_exits_2_with_the_reason()
    {
        string image = Path.GetTempFileName();
        File.WriteAllBytes(image, [0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1]);
        try
        {
            var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "rig-hv.dll"), "--image", image])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            };
            using var process = Process.Start(start)!;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail("rig-hv did not exit on a malformed image");
            }

            Assert.Equal(2, process.ExitCode);
            Assert.Contains("not an ELF", await stderr);
        }
        finally
        {
            File.Delete(image);
        }
    }
}
