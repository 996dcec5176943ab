using Rig.Config;
using Rig.Store;
using Spectre.Console;

namespace Rig.Cli;

/// <summary>Turns the rig's own errors (configuration, store, unknown names) into one clear line and exit code 2.</summary>
public static class CliErrors
{
    public static int Guard(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is RigConfigException or StoreException or RigUsageException or RunStoppedException)
        {
            AnsiConsole.MarkupLine($"[red]rig: {Markup.Escape(e.Message)}[/]");
            return ExitCodes.RigError;
        }
    }
}

/// <summary>A flag names something that does not exist (a suite, a target, a release).</summary>
public sealed class RigUsageException(string message) : Exception(message);
