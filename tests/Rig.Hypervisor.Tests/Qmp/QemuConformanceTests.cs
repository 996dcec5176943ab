using System.Diagnostics;
using System.Text.Json;
using Rig.Hypervisor.Qmp;

namespace Rig.Hypervisor.Tests.Qmp;

/// <summary>
/// One command script against Debian's QEMU 7.2 and against rig-hv's server: every reply and event must have QEMU's
/// shape (members and types) and error class, so a client written against QEMU reads rig-hv's answers unchanged.
/// </summary>
public sealed class QemuConformanceTests
{
    private static readonly TimeSpan QemuLifetime = TimeSpan.FromSeconds(60);

    /// <summary>Each step is one input; its reply and the events before it are compared. FILE is a scratch file.</summary>
    private static readonly string[] Script =
    [
        """{"execute": "query-status", "id": 5}""",
        """{"execute": "qmp_capabilities", "id": {"a": 1}}""",
        """{"execute": "qmp_capabilities"}""",
        """{"execute": "query-status", "id": "x"}""",
        """{"execute": "no-such-command", "id": [1]}""",
        """{bad json}""",
        """[1, 2]""",
        """{"execute": "stop", "id": 1, "extra": 2}""",
        """{"execute": "stop"}""",
        """{"execute": "query-status"}""",
        """{"execute": "cont"}""",
        """{"execute": "system_reset"}""",
        """{"execute": "inject-nmi"}""",
        """{"execute": "human-monitor-command", "arguments": {"command-line": "frob 1"}}""",
        """{"execute": "human-monitor-command", "arguments": {"command-line": "mce 0 1 zz 0 0 0"}}""",
        """{"execute": "human-monitor-command", "arguments": {}}""",
        """{"execute": "pmemsave", "arguments": {"val": 0, "size": 16, "filename": "FILE"}}""",
        """{"execute": "pmemsave", "arguments": {"val": 0}}""",
        """{"execute": "pmemsave", "arguments": {"val": "x", "size": 16, "filename": "FILE"}}""",
        """{"execute": "query-commands"}""",
        """{"execute": "quit", "id": 9}""",
    ];

    [RequiresQemuFact]
    public async Task Replies_and_events_have_QEMUs_shapes()
    {
        string scratch = Path.Combine(Path.GetTempPath(), $"rig-conf-{Guid.NewGuid():N}");
        Directory.CreateDirectory(scratch);
        try
        {
            var qemu = await RunAgainstQemuAsync(scratch);
            var ours = await RunAgainstRigAsync(scratch);

            Assert.Equal(qemu.Count, ours.Count);
            for (int step = 0; step < qemu.Count; step++)
            {
                string input = step == 0 ? "(greeting)" : Script[step - 1];
                Assert.True(qemu[step].Count == ours[step].Count,
                    $"{input}: QEMU sent\n{string.Join("\n", qemu[step])}\nrig-hv sent\n{string.Join("\n", ours[step])}");
                for (int i = 0; i < qemu[step].Count; i++)
                {
                    var expected = JsonDocument.Parse(qemu[step][i]).RootElement;
                    var actual = JsonDocument.Parse(ours[step][i]).RootElement;
                    Assert.True(JsonShape.Difference(expected, actual) is null,
                        $"{input}: {JsonShape.Difference(expected, actual)}\nQEMU:   {qemu[step][i]}\nrig-hv: {ours[step][i]}");
                    Assert.Equal(ErrorClass(expected), ErrorClass(actual));
                }
            }
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    private static async Task<List<List<string>>> RunAgainstQemuAsync(string scratch)
    {
        string socketPath = Path.Combine(scratch, "qemu.sock");
        var start = new ProcessStartInfo("timeout")
        {
            ArgumentList =
            {
                $"{(int)QemuLifetime.TotalSeconds}", RequiresQemuFactAttribute.QemuPath!,
                "-machine", "microvm", "-accel", "tcg", "-display", "none", "-nodefaults",
                "-qmp", $"unix:{socketPath},server=on,wait=off",
            },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(start)!;
        try
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while (true)
            {
                try
                {
                    return await RunScriptAsync(socketPath, Path.Combine(scratch, "qemu.bin"));
                }
                catch (System.Net.Sockets.SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
                {
                    // QEMU has not bound its socket yet.
                    await Task.Delay(50);
                }
            }
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    private static async Task<List<List<string>>> RunAgainstRigAsync(string scratch)
    {
        string socketPath = Path.Combine(scratch, "rig.sock");
        await using var server = QmpServer.Start(socketPath, new FakeVm(), TextWriter.Null);
        return await RunScriptAsync(socketPath, Path.Combine(scratch, "rig.bin"));
    }

    /// <summary>The greeting, then for each step the events that came before its reply and the reply.</summary>
    private static async Task<List<List<string>>> RunScriptAsync(string socketPath, string scratchFile)
    {
        using var client = await QmpTestClient.ConnectAsync(socketPath);
        var transcript = new List<List<string>> { new() { await client.ReadLineAsync() } };
        foreach (string step in Script)
        {
            await client.SendAsync(step.Replace("FILE", scratchFile) + "\n");
            var messages = new List<string>();
            string message;
            do
            {
                message = await client.ReadLineAsync();
                messages.Add(message);
            }
            while (JsonDocument.Parse(message).RootElement.TryGetProperty("event", out _));

            transcript.Add(messages);
        }

        return transcript;
    }

    private static string? ErrorClass(JsonElement message) =>
        message.TryGetProperty("error", out var error) ? error.GetProperty("class").GetString() : null;
}
