using System.Globalization;
using System.Xml;
using System.Xml.Linq;

namespace Rig.Report;

/// <summary>
/// "Faults survived" (issue 21) read from test results, not written into the page: each test under
/// <see cref="Namespace"/> plays one host fault against the built rig (a VMM SIGKILLed, QMP closed mid-command, the
/// store's disk full or locked, SIGINT, a bad rig.json, ...) and passes only if the rig survived it: the case an error
/// with its reason, nothing stored lost, no process left. The figures come from the TRX file that <c>./run.sh test</c>
/// keeps in results/tests/ (Visual Studio's test results format: UnitTestResult testName and outcome).
/// </summary>
public sealed record HostFaultFigures(string TrxPath, DateTimeOffset? Finished, IReadOnlyList<HostFaultFigures.Test> Tests)
{
    public const string Namespace = "Rig.Tests.Faults.";

    /// <summary>Where <c>./run.sh test</c> keeps the project's test results, under the results directory.</summary>
    public static string KeptAt(string resultsDirectory) => Path.Combine(resultsDirectory, "tests", "Rig.Tests.trx");

    /// <summary>One host-fault test: its name without the namespace, and Passed, Failed, NotExecuted (skipped), ...</summary>
    public sealed record Test(string Name, string Outcome);

    public int Count(string outcome) => Tests.Count(t => t.Outcome == outcome);

    /// <summary>The host-fault tests of a TRX file; null when there is no file, or it holds none of them.</summary>
    public static HostFaultFigures? Read(string trxPath)
    {
        if (!File.Exists(trxPath))
        {
            return null;
        }

        XDocument trx;
        try
        {
            trx = XDocument.Load(trxPath);
        }
        catch (XmlException e)
        {
            throw new InvalidDataException($"{trxPath}: not a TRX file: {e.Message}", e);
        }

        var tests = trx.Descendants().Where(e => e.Name.LocalName == "UnitTestResult")
            .Select(e => (Name: (string?)e.Attribute("testName") ?? "", Outcome: (string?)e.Attribute("outcome") ?? "unknown"))
            .Where(t => t.Name.StartsWith(Namespace, StringComparison.Ordinal))
            .Select(t => new Test(t.Name[Namespace.Length..], t.Outcome))
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .ToList();
        var finish = trx.Descendants().FirstOrDefault(e => e.Name.LocalName == "Times")?.Attribute("finish")?.Value;
        DateTimeOffset? finished = DateTimeOffset.TryParse(finish, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var f) ? f : null;
        return tests.Count == 0 ? null : new HostFaultFigures(trxPath, finished, tests);
    }
}
