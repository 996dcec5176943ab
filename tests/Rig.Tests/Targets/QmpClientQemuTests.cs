using Rig.Qmp;

namespace Rig.Tests.Targets;

/// <summary>The QMP client against the real server it was written for: Debian's QEMU.</summary>
public sealed class QmpClientQemuTests
{
    private static readonly TimeSpan EventBound = TimeSpan.FromSeconds(20);

    [RequiresQemuFact]
    public async Task Greeting_names_the_qemu_version()
    {
        await using var qemu = await QemuProcess.StartAsync();

        Assert.Matches(@"^\d+\.\d+\.\d+", qemu.Qmp.ServerVersion);
    }

    [RequiresQemuFact]
    public async Task Stop_and_cont_change_the_status_and_raise_events()
    {
        await using var qemu = await QemuProcess.StartAsync();

        await qemu.Qmp.ExecuteAsync("stop");
        await qemu.Qmp.WaitForEventAsync("STOP", EventBound);
        Assert.Equal("paused", await Status(qemu.Qmp));

        await qemu.Qmp.ExecuteAsync("cont");
        await qemu.Qmp.WaitForEventAsync("RESUME", EventBound);
        Assert.Equal("running", await Status(qemu.Qmp));
    }

    [RequiresQemuFact]
    public async Task System_reset_raises_a_reset_event_with_its_reason()
    {
        await using var qemu = await QemuProcess.StartAsync();

        await qemu.Qmp.ExecuteAsync("system_reset");
        var reset = await qemu.Qmp.WaitForEventAsync("RESET", EventBound);

        Assert.Equal("host-qmp-system-reset", reset.Data?.GetProperty("reason").GetString());
    }

    [RequiresQemuFact]
    public async Task An_unknown_command_is_a_command_error_naming_its_class()
    {
        await using var qemu = await QemuProcess.StartAsync();

        var error = await Assert.ThrowsAsync<QmpCommandException>(() => qemu.Qmp.ExecuteAsync("no-such-command"));

        Assert.Equal("CommandNotFound", error.ErrorClass);
    }

    [RequiresQemuFact]
    public async Task Human_monitor_commands_return_their_text()
    {
        await using var qemu = await QemuProcess.StartAsync();

        var text = await qemu.Qmp.HumanMonitorCommandAsync("info version");

        Assert.StartsWith(qemu.Qmp.ServerVersion.Split(' ')[0], text, StringComparison.Ordinal);
    }

    [RequiresQemuFact]
    public async Task Quit_mid_session_fails_later_commands_with_a_clear_error_instead_of_hanging()
    {
        await using var qemu = await QemuProcess.StartAsync();

        await qemu.Qmp.ExecuteAsync("quit");
        await qemu.Process.WaitForExitAsync().WaitAsync(EventBound);
        var error = await Assert.ThrowsAsync<QmpConnectionException>(
            () => qemu.Qmp.ExecuteAsync("query-status", timeout: TimeSpan.FromSeconds(20)));

        Assert.Contains("query-status", error.Message, StringComparison.Ordinal);
        Assert.Contains("closed", error.Message, StringComparison.Ordinal);
    }

    private static async Task<string> Status(QmpClient qmp) =>
        (await qmp.ExecuteAsync("query-status")).GetProperty("status").GetString()!;
}
