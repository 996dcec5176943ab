using Spectre.Console;

namespace Rig.Cli;

/// <summary>
/// Off a terminal (a CI log, a pipe to grep) Spectre assumes 80 columns and wraps table cells, splitting names such as
/// qemu-kvm-userapic or apic.timer-after-reboot over lines where neither grep nor a reader finds them. There the width
/// is COLUMNS when set, else wide enough that no row wraps.
/// </summary>
public static class ConsoleWidth
{
    public const int Unwrapped = 1000;

    public static void Apply(IAnsiConsole console, bool outputRedirected, string? columns)
    {
        if (!outputRedirected)
        {
            return;
        }

        console.Profile.Width = int.TryParse(columns, out int width) && width > 0 ? width : Unwrapped;
    }
}
