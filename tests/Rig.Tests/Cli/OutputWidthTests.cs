using Rig.Hosting;
using Rig.Tests.Config;

namespace Rig.Tests.Cli;

/// <summary>Off a terminal, a table row stays on one line: CI logs are read with grep.</summary>
public sealed class OutputWidthTests
{
    [Fact]
    public async Task Targets_off_a_terminal_keep_each_row_on_one_line()
    {
        const string name = "qemu-kvm-userapic-with-a-long-name";
        using var checkout = new TemporaryCheckout(
            $$"""{ "targets": { "{{name}}": { "kind": "qemu", "binary": "/nonexistent/qemu-system-x86_64-with-a-long-path", "accel": "tcg" } } }""");

        var (code, stdout, _) = await ChildProcesses.RunAsync("env", ["-u", "COLUMNS", $"RIG_ROOT={checkout.Root}", "dotnet", RigCli.Dll, "targets"],
            TimeSpan.FromSeconds(120));

        Assert.Equal(0, code);
        var row = stdout.Split('\n').Single(l => l.Contains(name, StringComparison.Ordinal));
        Assert.Contains("/nonexistent/qemu-system-x86_64-with-a-long-path", row, StringComparison.Ordinal);
    }

    [Fact]
    public void Columns_is_honoured_and_a_terminal_keeps_its_own_width()
    {
        var console = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings());
        console.Profile.Width = 80;
        Rig.Cli.ConsoleWidth.Apply(console, outputRedirected: false, columns: "200");
        Assert.Equal(80, console.Profile.Width);
        Rig.Cli.ConsoleWidth.Apply(console, outputRedirected: true, columns: "200");
        Assert.Equal(200, console.Profile.Width);
        Rig.Cli.ConsoleWidth.Apply(console, outputRedirected: true, columns: null);
        Assert.Equal(Rig.Cli.ConsoleWidth.Unwrapped, console.Profile.Width);
    }
}
