using System.Collections.Concurrent;
using System.Diagnostics;

namespace Rig.Hosting;

/// <summary>
/// Starts every VMM the rig runs and guarantees none outlives it. Each child is wrapped in
/// <c>setpriv --pdeathsig KILL</c> (util-linux) so the kernel kills it even if the rig is SIGKILLed,
/// and <see cref="KillAll"/> covers normal exit and Ctrl-C. PR_SET_PDEATHSIG fires when the
/// *thread* that forked the child exits (prctl(2)), and thread-pool threads retire when idle, so all
/// children are forked from one dedicated thread that lives as long as the process. A child inherits that thread's
/// CPU affinity at fork, so the thread takes on the caller's <see cref="ChildCpuSet"/> for the fork and gives it back.
/// </summary>
public static class ChildProcesses
{
    private static readonly ConcurrentDictionary<int, Process> Live = new();
    private static readonly BlockingCollection<Action> SpawnQueue = [];
    private static readonly Lazy<string?> Setpriv = new(() => ExecutablePath.Find("setpriv"));
    private static readonly IReadOnlyList<int> HostCpus = ThreadAffinity.AllowedCpus();
    private static string? refusal;

    static ChildProcesses()
    {
        var spawner = new Thread(() =>
        {
            foreach (var work in SpawnQueue.GetConsumingEnumerable())
            {
                work();
            }
        })
        {
            IsBackground = true,
            Name = "rig child spawner",
        };
        spawner.Start();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
    }

    /// <summary>Starts <paramref name="fileName"/> with stdout/stderr captured; stdin gets <paramref name="standardInput"/>, then is closed.</summary>
    public static Task<Process> StartAsync(string fileName, IEnumerable<string> arguments, string standardInput = "")
    {
        var info = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (Setpriv.Value is { } setpriv)
        {
            info.FileName = setpriv;
            info.ArgumentList.Add("--pdeathsig");
            info.ArgumentList.Add("KILL");
            info.ArgumentList.Add("--");
            info.ArgumentList.Add(fileName);
        }
        else
        {
            info.FileName = fileName;
        }

        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        var started = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
        var cpus = ChildCpuSet.Current;
        SpawnQueue.Add(() =>
        {
            try
            {
                // Starts run one at a time on this thread, so every start queued after Refuse sees it here.
                if (Volatile.Read(ref refusal) is { } why)
                {
                    throw new InvalidOperationException($"not started: {why}");
                }

                var process = StartPinned(info, cpus) ?? throw new InvalidOperationException($"could not start {fileName}");
                Live[process.Id] = process;
                process.EnableRaisingEvents = true;
                process.Exited += (_, _) => Live.TryRemove(process.Id, out _);
                process.StandardInput.Write(standardInput);
                process.StandardInput.Close();
                started.SetResult(process);
            }
            catch (Exception e)
            {
                started.SetException(new InvalidOperationException($"could not start {fileName}: {e.Message}", e));
            }
        });
        return started.Task;
    }

    private static Process? StartPinned(ProcessStartInfo info, IReadOnlyList<int>? cpus)
    {
        if (cpus is null)
        {
            return Process.Start(info);
        }

        ThreadAffinity.PinCurrentThread(cpus);
        try
        {
            return Process.Start(info);
        }
        finally
        {
            ThreadAffinity.PinCurrentThread(HostCpus);
        }
    }

    /// <summary>Runs a short command to completion within <paramref name="timeout"/>; a command that overruns is killed.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(
        string fileName, IEnumerable<string> arguments, TimeSpan timeout, string standardInput = "", CancellationToken cancellationToken = default)
    {
        var process = await StartAsync(fileName, arguments, standardInput).ConfigureAwait(false);
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(timeout);
            try
            {
                await process.WaitForExitAsync(bounded.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Kill(process);
                throw new TimeoutException($"{Path.GetFileName(fileName)} did not finish within {timeout.TotalSeconds:0.#} s");
            }

            return (process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
        }
        finally
        {
            Release(process);
        }
    }

    /// <summary>
    /// Disposes <paramref name="process"/> with the pipes of its redirected output. Process.Dispose closes a redirected
    /// stream only if the caller never read it ("if they are referenced it is the user's responsibility", Process.Close),
    /// so a VMM whose stderr the rig reads left its pipe open until a GC finalized it: sched.destroy-under-load counted
    /// one fd more per destroyed VM on the reference (docs/notes/stability.md, session 8).
    /// </summary>
    public static void Release(Process process)
    {
        process.StandardOutput.Dispose();
        process.StandardError.Dispose();
        process.Dispose();
    }

    public static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill: what we wanted.
        }
    }

    /// <summary>From now on no child is started (<paramref name="why"/> says so to whoever asks), and every live one is killed.</summary>
    public static void Refuse(string why)
    {
        Volatile.Write(ref refusal, why);
        KillAll();

        // A start already queued may still have been forked before the refusal was seen: kill again behind it.
        SpawnQueue.Add(KillAll);
    }

    public static void KillAll()
    {
        foreach (var (_, process) in Live)
        {
            Kill(process);
        }
    }

    /// <summary>How many children are alive now; tests use it to show nothing leaks.</summary>
    public static int LiveCount => Live.Values.Count(p => !p.HasExited);
}
