using System.Diagnostics;
using Rig.Hosting;

namespace Rig.Targets.Xen;

/// <summary>
/// A lab host that is itself a Xen dom0: the kit's agent runs here as a child process beside the local xl, on two
/// FIFOs (mkfifo), so a lab run drives xl exactly as xen-tcg does. Images and configs are local files already.
/// </summary>
public sealed class LocalDom0 : IDom0
{
    private static readonly SemaphoreSlim StartLock = new(1, 1);
    private static LocalDom0? _shared;

    private readonly Process _agentProcess;
    private readonly string _directory;

    private LocalDom0(Process agentProcess, string directory, Dom0Agent agent)
    {
        _agentProcess = agentProcess;
        _directory = directory;
        Agent = agent;
    }

    public Dom0Agent Agent { get; }

    public int ProcessId => _agentProcess.Id;

    public string Diagnostics => $"local dom0 agent (pid {_agentProcess.Id}) in {_directory}";

    public IReadOnlyList<string> Faults => [];

    /// <summary>One agent for the run, started on first use.</summary>
    public static async Task<LocalDom0> SharedAsync(string agentScript)
    {
        await StartLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_shared is null || _shared._agentProcess.HasExited)
            {
                _shared = await StartAsync(agentScript).ConfigureAwait(false);
            }

            return _shared;
        }
        finally
        {
            StartLock.Release();
        }
    }

    /// <summary>
    /// An agent of its own (not the run's shared one) running <paramref name="agentScript"/>; the tests run the kit's
    /// agent this way against a stand-in xl.
    /// </summary>
    public static async Task<LocalDom0> StartAsync(string agentScript)
    {
        var directory = Directory.CreateTempSubdirectory("rig-xl-").FullName;
        var commands = Path.Combine(directory, "commands");
        var answers = Path.Combine(directory, "answers");
        var (code, _, stderr) = await ChildProcesses.RunAsync("mkfifo", [commands, answers], TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        if (code != 0)
        {
            throw new InvalidOperationException($"mkfifo failed: {stderr.Trim()}");
        }

        var process = await ChildProcesses.StartAsync("sh", [agentScript, commands, answers]).ConfigureAwait(false);

        // The agent opens the command FIFO first, then the answer FIFO; opening ours in the same order cannot deadlock.
        var output = await Task.Run(() => new FileStream(commands, FileMode.Open, FileAccess.Write)).WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        var input = await Task.Run(() => new FileStream(answers, FileMode.Open, FileAccess.Read)).WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        var agent = new Dom0Agent(input, output);
        await agent.Ready.WaitAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        return new LocalDom0(process, directory, agent);
    }

    public Task<string> StageFileAsync(string hostPath, CancellationToken cancellationToken) => Task.FromResult(Path.GetFullPath(hostPath));

    /// <summary>The rig runs in this dom0: its own threads are dom0's load.</summary>
    public Task<IAsyncDisposable> LoadAsync(CancellationToken cancellationToken) => Task.FromResult<IAsyncDisposable>(new HostLoad());

    public Task WriteFileAsync(string content, string dom0Path, CancellationToken cancellationToken) =>
        File.WriteAllTextAsync(dom0Path, content, cancellationToken);
}
