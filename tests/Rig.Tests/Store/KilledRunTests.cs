using System.Diagnostics;
using Rig.Store;

namespace Rig.Tests.Store;

/// <summary>IResultSink's promise: a run killed at any moment keeps every result whose Add had returned.</summary>
public sealed class KilledRunTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("rig-killed-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void SqliteKeepsEveryAcknowledgedResult() => KillWriterAndCheck(Path.Combine(_directory.FullName, "rig.db"));

    [RequiresPostgresFact]
    public void PostgresKeepsEveryAcknowledgedResult() => KillWriterAndCheck(TemporaryPostgres.Shared.Value.NewDatabase());

    private static void KillWriterAndCheck(string location)
    {
        var acknowledged = RunWriterUntilKilled(location, killAfter: 25);

        using var store = ResultStore.Open(location);
        var run = Assert.Single(store.Runs("killed"));
        Assert.Null(run.Ended);
        var results = store.Results(run.RunId);
        // The writer runs ahead of what we read from its pipe, so more may be stored; never fewer, never a torn one.
        Assert.True(results.Count >= acknowledged, $"{results.Count} stored, {acknowledged} acknowledged");
        for (var n = 1; n <= results.Count; n++)
        {
            var expected = StoreWriterProcess.Numbered(n);
            var stored = results[n - 1];
            Assert.Equal(expected.Case, stored.Case);
            Assert.Equal(expected.Metrics, stored.Metrics);
            Assert.Equal(expected.Series, stored.Series);
        }
    }

    private static int RunWriterUntilKilled(string location, int killAfter)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(typeof(StoreWriterProcess).Assembly.Location);
        start.ArgumentList.Add(StoreWriterProcess.Verb);
        start.ArgumentList.Add(location);
        using var writer = Process.Start(start) ?? throw new InvalidOperationException("cannot start the writer");
        var errors = writer.StandardError.ReadToEndAsync();
        try
        {
            var acknowledged = 0;
            var reading = Task.Run(() =>
            {
                while (writer.StandardOutput.ReadLine() is { } line)
                {
                    if (line.StartsWith("added ", StringComparison.Ordinal))
                    {
                        acknowledged = int.Parse(line["added ".Length..], System.Globalization.CultureInfo.InvariantCulture);
                        if (acknowledged >= killAfter)
                        {
                            // SIGKILL mid-loop: the writer is inside its next Add, no chance to clean up.
                            writer.Kill(entireProcessTree: true);
                            return;
                        }
                    }
                }
            });
            Assert.True(reading.Wait(Limit), "the writer did not report in time");
            Assert.True(acknowledged >= killAfter, $"the writer stopped early: {errors.Result}");
            return acknowledged;
        }
        finally
        {
            if (!writer.HasExited)
            {
                writer.Kill(entireProcessTree: true);
            }

            writer.WaitForExit();
        }
    }

    private static string DotnetHost() =>
        Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";
}
