using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Rig.Hosting;

namespace Rig.Targets.Xen;

/// <summary>
/// A real Xen booted under QEMU TCG (AMD SVM with nested paging emulated, so Xen runs HVM/PVH guests where kvm_pvm
/// offers no VMX), kept up for the whole run: one boot costs both host cores for ~15 s, a guest after that ~1 s.
/// COM1 carries Xen's and dom0's console into a log file; COM2 is dom0's ttyS1, where the kit's init runs the agent.
/// Xen's command line is the recipe of shared/notes/xen-under-tcg.md: smap=false (TCG's SMAP emulation kills dom0 in
/// create_bounce_frame), a fixed dom0_mem, no boot scrub.
/// </summary>
public sealed class XenTcgMachine : IDom0
{
    /// <summary>
    /// A hang detector, not a budget: QEMU start to the agent's @ready took ~11 s idle and 48–230 s at a load average of
    /// 50–120, once over 300 s, while Xen and dom0 printed all along. A boot fails when its console has been silent this
    /// long, or at <see cref="ReadyLimit"/> whatever it printed.
    /// </summary>
    private static readonly TimeSpan SilenceBound = TimeSpan.FromSeconds(300);
    private static readonly TimeSpan ReadyLimit = TimeSpan.FromMinutes(30);
    private static readonly TimeSpan PollPeriod = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan FileBound = TimeSpan.FromSeconds(120);
    private static readonly ConcurrentDictionary<string, Lazy<Task<XenTcgMachine>>> Shared = new(StringComparer.Ordinal);

    private readonly Process _qemu;
    private readonly string _directory;
    private readonly ConcurrentDictionary<string, string> _staged;
    private readonly Dom0Faults _faults;

    private XenTcgMachine(Process qemu, string directory, Dom0Agent agent, string ready, TimeSpan bootTime, string stages, ConcurrentDictionary<string, string> staged)
    {
        Stages = stages;
        _staged = staged;
        _qemu = qemu;
        _directory = directory;
        Agent = agent;
        _faults = new Dom0Faults(XenConsoleLog);
        Ready = ready;
        BootTime = bootTime;
    }

    public Dom0Agent Agent { get; }

    public int ProcessId => _qemu.Id;

    /// <summary>The agent's @ready fields: Xen's version and dom0's uptime when its tools were up.</summary>
    public string Ready { get; }

    /// <summary>Wall time from QEMU's start to the agent's @ready.</summary>
    public TimeSpan BootTime { get; }

    /// <summary>The boot's stages in seconds after QEMU's start (<see cref="XenBootProgress"/>).</summary>
    public string Stages { get; }

    public string XenConsoleLog => Path.Combine(_directory, "xen-console.log");

    public string Diagnostics
    {
        get
        {
            var faults = Faults;
            return string.Create(CultureInfo.InvariantCulture, $"xen-tcg ready {BootTime.TotalSeconds:0.0} s after QEMU start ({Ready}; {Stages}); Xen/dom0 console: {XenConsoleLog}\n")
                + (faults is [] ? "" : $"dom0 faulted (nested TCG; this machine is replaced before the next case):\n{string.Join('\n', faults)}\n")
                + Tail(XenConsoleLog);
        }
    }

    public IReadOnlyList<string> Faults => [.. _faults.Poll(), .. Agent.FaultAnswers];

    /// <summary>
    /// The machine of target <paramref name="target"/>, booted on first use and shared by every case after; a machine
    /// whose QEMU died is booted again, and so is one whose dom0 faulted once no guest of it is left (a case's second
    /// VM must not lose its first one's machine). A boot that failed fails every case the same way without booting again.
    /// </summary>
    public static Task<XenTcgMachine> SharedAsync(string target, XenKit kit, string qemu, string cpu, string probeDirectory)
    {
        while (true)
        {
            var lazy = Shared.GetOrAdd(target, _ => new Lazy<Task<XenTcgMachine>>(() => BootAsync(kit, qemu, cpu, probeDirectory)));
            if (lazy.Value is { IsCompletedSuccessfully: true } done
                && (done.Result._qemu.HasExited || (done.Result.Faults.Count > 0 && done.Result.Agent.Watched == 0)))
            {
                if (Shared.TryRemove(KeyValuePair.Create(target, lazy)))
                {
                    Stop(done.Result._qemu);
                }

                continue;
            }

            return lazy.Value;
        }
    }

    /// <summary>Kills the machine of <paramref name="target"/> if one was booted (its files stay until the rig exits); a later case boots another.</summary>
    public static void ShutDown(string target)
    {
        if (Shared.TryRemove(target, out var lazy) && lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully)
        {
            Stop(lazy.Value.Result._qemu);
        }
    }

    private static void Stop(Process qemu)
    {
        ChildProcesses.Kill(qemu);
        qemu.WaitForExit(TimeSpan.FromSeconds(30));
    }

    /// <summary>
    /// Boots the machine with every probe image of <paramref name="probeDirectory"/> already in dom0's /probes: a second
    /// cpio archive after the kit's initramfs (the kernel unpacks concatenated archives). Through dom0's UART an image
    /// took minutes (every received byte costs an interrupt of a PV dom0 under TCG), from the initramfs nothing.
    /// </summary>
    public static async Task<XenTcgMachine> BootAsync(XenKit kit, string qemu, string cpu, string probeDirectory)
    {
        var directory = Path.Combine(Path.GetTempPath(), "rig-xen-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(directory);

        // The machine lives as long as the rig (ChildProcesses kills QEMU at exit); its files go with it.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(directory, recursive: true);
        var initramfs = Path.Combine(directory, "dom0-with-probes.cpio");
        var staged = await WriteInitramfsAsync(kit, probeDirectory, initramfs).ConfigureAwait(false);
        var agentSocket = Path.Combine(directory, "agent");
        using var listener = UnixSockets.Listen(agentSocket);
        var clock = Stopwatch.StartNew();
        var process = await ChildProcesses.StartAsync(qemu, Arguments(kit, cpu, directory, agentSocket, initramfs)).ConfigureAwait(false);
        try
        {
            var socket = await UnixSockets.AcceptAsync(listener, "xen-tcg's dom0 UART", TimeSpan.FromSeconds(30), CancellationToken.None).ConfigureAwait(false);
            var stream = new NetworkStream(socket, ownsSocket: true);
            var agent = new Dom0Agent(stream, stream);
            var progress = new XenBootProgress(Path.Combine(directory, "xen-console.log"), clock);
            while (!agent.Ready.IsCompleted)
            {
                progress.Poll();
                var silent = clock.Elapsed - progress.LastOutput;
                if (process.HasExited || silent > SilenceBound || clock.Elapsed > ReadyLimit)
                {
                    // QEMU's stderr ends only with QEMU: waiting for it from a QEMU still running threw a TimeoutException
                    // that hid this message (seen at load ~100, where dom0 was not up in 300 s).
                    var why = process.HasExited
                        ? $"QEMU exited with {process.ExitCode}; {await process.StandardError.ReadToEndAsync().ConfigureAwait(false)}"
                        : string.Create(CultureInfo.InvariantCulture, $"dom0's agent not ready after {clock.Elapsed.TotalSeconds:0} s, the console silent for {silent.TotalSeconds:0} s");
                    throw new InvalidOperationException($"xen-tcg did not come up: {why} ({progress.Summary()})\n{Tail(Path.Combine(directory, "xen-console.log"))}");
                }

                await Task.WhenAny(agent.Ready, Task.Delay(PollPeriod)).ConfigureAwait(false);
            }

            progress.Poll();
            return new XenTcgMachine(process, directory, agent, await agent.Ready.ConfigureAwait(false), clock.Elapsed, progress.Summary(), staged);
        }
        catch
        {
            ChildProcesses.Kill(process);
            throw;
        }
    }

    public async Task<string> StageFileAsync(string hostPath, CancellationToken cancellationToken)
    {
        var info = new FileInfo(hostPath);
        if (_staged.TryGetValue(StageKey(info), out var staged))
        {
            return staged;
        }

        var dom0Path = "/probes/" + Path.GetFileName(hostPath);
        await Agent.PutFileAsync(await File.ReadAllBytesAsync(hostPath, cancellationToken).ConfigureAwait(false), dom0Path, FileBound, cancellationToken).ConfigureAwait(false);
        _staged[StageKey(info)] = dom0Path;
        return dom0Path;
    }

    /// <summary>A file is the one in dom0 while its path, size and modification time are unchanged.</summary>
    private static string StageKey(FileInfo file) =>
        string.Create(CultureInfo.InvariantCulture, $"{file.FullName}|{file.Length}|{file.LastWriteTimeUtc.Ticks}");

    private static async Task<ConcurrentDictionary<string, string>> WriteInitramfsAsync(XenKit kit, string probeDirectory, string path)
    {
        var images = new DirectoryInfo(probeDirectory).GetFiles("*.elf");
        var files = new List<(string, byte[])>();
        var staged = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        foreach (var image in images)
        {
            files.Add((image.Name, await File.ReadAllBytesAsync(image.FullName).ConfigureAwait(false)));
            staged[StageKey(image)] = "/probes/" + image.Name;
        }

        await using var output = File.Create(path);
        await using (var kitInitramfs = File.OpenRead(kit.Dom0Initramfs))
        {
            await kitInitramfs.CopyToAsync(output).ConfigureAwait(false);
        }

        CpioNewcArchive.Pad(output);
        await output.WriteAsync(CpioNewcArchive.Create("probes", files)).ConfigureAwait(false);
        return staged;
    }

    public async Task<IAsyncDisposable> LoadAsync(CancellationToken cancellationToken) =>
        await Dom0Load.StartAsync(Agent, cancellationToken).ConfigureAwait(false);

    public Task WriteFileAsync(string content, string dom0Path, CancellationToken cancellationToken) =>
        Agent.PutFileAsync(System.Text.Encoding.ASCII.GetBytes(content), dom0Path, FileBound, cancellationToken);

    private static List<string> Arguments(XenKit kit, string cpu, string directory, string agentSocket, string initramfs) =>
    [
        "-accel", "tcg,thread=multi",
        "-cpu", cpu,
        "-smp", "2",
        "-m", "2048",
        "-nodefaults", "-display", "none", "-no-reboot",
        "-chardev", $"file,id=xen,path={Path.Combine(directory, "xen-console.log")}",
        "-serial", "chardev:xen",
        "-chardev", $"socket,id=agent,path={agentSocket}",
        "-serial", "chardev:agent",
        "-kernel", kit.XenElf,
        "-append", "console=com1 com1=115200,8n1 loglvl=all guest_loglvl=all console_timestamps=boot dom0_mem=512M,max:512M bootscrub=false smap=false",

        // Multiboot modules are comma-separated, each "path command-line": the dom0 kernel, then its initramfs.
        "-initrd", $"{kit.Dom0Kernel} console=hvc0 earlyprintk=xen,{initramfs}",
    ];

    private static string Tail(string path)
    {
        try
        {
            return string.Join('\n', File.ReadLines(path).TakeLast(40));
        }
        catch (IOException)
        {
            return "";
        }
    }
}
