using System.Globalization;
using System.Xml;
using Rig.Results;
using Rig.Store;

namespace Rig.Junit;

/// <summary>
/// One JUnit XML file per run, the format CI systems read: a testsuite per suite×target (classname
/// <c>suite.target</c>), a testcase per case and repeat, failure/error/skipped carrying the summary as the
/// message and the evidence as the body, the probe's log as system-out. An unavailable target appears as a
/// skipped testcase with its reason, so CI shows it was not tested rather than nothing.
/// </summary>
public static class JunitWriter
{
    /// <summary>Where a run's file goes by default: <c>results/&lt;release&gt;/junit/&lt;run id&gt;.xml</c>.</summary>
    public static string DefaultPath(string resultsDirectory, RunInfo run) =>
        Path.Combine(resultsDirectory, SafeFileName.Of(run.Release), "junit", SafeFileName.Of(run.RunId) + ".xml");

    public static void Write(string path, RunInfo run, IReadOnlyList<CaseResult> results)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var settings = new XmlWriterSettings { Indent = true, Encoding = new System.Text.UTF8Encoding(false) };
        var temporary = path + ".tmp";
        using (var xml = XmlWriter.Create(temporary, settings))
        {
            WriteDocument(xml, run, results);
        }

        File.Move(temporary, path, overwrite: true); // a reader never sees half a file
    }

    private static void WriteDocument(XmlWriter xml, RunInfo run, IReadOnlyList<CaseResult> results)
    {
        var suites = results.GroupBy(r => (r.Suite, r.Target)).OrderBy(g => g.Key.Suite, StringComparer.Ordinal)
            .ThenBy(g => g.Key.Target, StringComparer.Ordinal).ToList();
        var unavailable = run.Targets.Where(t => !t.Available).ToList();

        xml.WriteStartDocument();
        xml.WriteStartElement("testsuites");
        Attribute(xml, "name", run.Defect is null ? $"rig {run.Release}" : $"rig {run.Release} mutate {run.Defect}");
        WriteCounts(xml, results, unavailable.Count);
        Attribute(xml, "timestamp", run.Started.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture));
        foreach (var suite in suites)
        {
            WriteSuite(xml, run, $"{suite.Key.Suite}.{suite.Key.Target}", suite.Key.Target, suite.ToList());
        }

        if (unavailable.Count > 0)
        {
            WriteUnavailableTargets(xml, run, unavailable);
        }

        xml.WriteEndElement();
        xml.WriteEndDocument();
    }

    private static void WriteSuite(XmlWriter xml, RunInfo run, string name, string target, IReadOnlyList<CaseResult> results)
    {
        xml.WriteStartElement("testsuite");
        Attribute(xml, "name", name);
        WriteCounts(xml, results, 0);
        Attribute(xml, "hostname", run.Host.Hostname);
        Attribute(xml, "timestamp", results.Min(r => r.Started).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture));
        xml.WriteStartElement("properties");
        Property(xml, "release", run.Release);
        Property(xml, "run", run.RunId);
        Property(xml, "target.version", run.Targets.FirstOrDefault(t => t.Name == target)?.Version ?? "");
        Property(xml, "host.cpu", run.Host.CpuModel);
        Property(xml, "host.kernel", run.Host.Kernel);
        Property(xml, "host.kvm", run.Host.KvmModule);
        if (run.Defect is not null)
        {
            Property(xml, "defect", run.Defect);
        }

        xml.WriteEndElement();
        foreach (var result in results)
        {
            WriteCase(xml, name, result);
        }

        xml.WriteEndElement();
    }

    private static void WriteCase(XmlWriter xml, string classname, CaseResult result)
    {
        xml.WriteStartElement("testcase");
        Attribute(xml, "classname", classname);
        Attribute(xml, "name", result.Repeat == 0 ? result.Case : $"{result.Case}#{result.Repeat}");
        Attribute(xml, "time", Seconds(result.Duration));
        var element = result.Verdict switch
        {
            Verdict.Fail => "failure",
            Verdict.Error => "error",
            Verdict.Skip => "skipped",
            _ => null,
        };
        if (element is not null)
        {
            xml.WriteStartElement(element);
            Attribute(xml, "message", result.Summary);
            if (element != "skipped")
            {
                Attribute(xml, "type", result.Verdict.ToWire());
            }

            xml.WriteString(XmlSafeText.Clean(result.Evidence));
            xml.WriteEndElement();
        }

        if (result.Log.Length > 0)
        {
            xml.WriteStartElement("system-out");
            xml.WriteString(XmlSafeText.Clean(result.Log));
            xml.WriteEndElement();
        }

        xml.WriteEndElement();
    }

    private static void WriteUnavailableTargets(XmlWriter xml, RunInfo run, IReadOnlyList<TargetInfo> targets)
    {
        xml.WriteStartElement("testsuite");
        Attribute(xml, "name", "rig.targets");
        Attribute(xml, "tests", targets.Count.ToString(CultureInfo.InvariantCulture));
        Attribute(xml, "failures", "0");
        Attribute(xml, "errors", "0");
        Attribute(xml, "skipped", targets.Count.ToString(CultureInfo.InvariantCulture));
        Attribute(xml, "time", "0");
        Attribute(xml, "hostname", run.Host.Hostname);
        foreach (var target in targets)
        {
            xml.WriteStartElement("testcase");
            Attribute(xml, "classname", "rig.targets");
            Attribute(xml, "name", target.Name);
            Attribute(xml, "time", "0");
            xml.WriteStartElement("skipped");
            Attribute(xml, "message", $"target unavailable: {target.Reason ?? "no reason given"}");
            xml.WriteEndElement();
            xml.WriteEndElement();
        }

        xml.WriteEndElement();
    }

    private static void WriteCounts(XmlWriter xml, IReadOnlyList<CaseResult> results, int unavailableTargets)
    {
        Attribute(xml, "tests", (results.Count + unavailableTargets).ToString(CultureInfo.InvariantCulture));
        Attribute(xml, "failures", results.Count(r => r.Verdict == Verdict.Fail).ToString(CultureInfo.InvariantCulture));
        Attribute(xml, "errors", results.Count(r => r.Verdict == Verdict.Error).ToString(CultureInfo.InvariantCulture));
        Attribute(xml, "skipped", (results.Count(r => r.Verdict == Verdict.Skip) + unavailableTargets).ToString(CultureInfo.InvariantCulture));
        Attribute(xml, "time", Seconds(TimeSpan.FromTicks(results.Sum(r => r.Duration.Ticks))));
    }

    private static void Property(XmlWriter xml, string name, string value)
    {
        xml.WriteStartElement("property");
        Attribute(xml, "name", name);
        Attribute(xml, "value", value);
        xml.WriteEndElement();
    }

    private static void Attribute(XmlWriter xml, string name, string value) =>
        xml.WriteAttributeString(name, XmlSafeText.Clean(value));

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
}
