using System.Xml.Linq;
using Rig.Junit;
using Rig.Results;
using Rig.Tests.Store;

namespace Rig.Tests.Junit;

public sealed class JunitWriterTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("rig-junit-");

    public void Dispose() => _directory.Delete(recursive: true);

    private XDocument WriteAndParse(RunInfo run, params CaseResult[] results)
    {
        var path = JunitWriter.DefaultPath(_directory.FullName, run);
        JunitWriter.Write(path, run, results);
        return XDocument.Load(path); // throws if the file is not well-formed XML
    }

    [Fact]
    public void OneSuitePerSuiteAndTargetWithCountsThatAddUp()
    {
        var run = SampleRuns.Run("r1", "run-1");
        var doc = WriteAndParse(run,
            SampleRuns.Result("reset-state", "reference", Verdict.Ok),
            SampleRuns.Result("reset-state", "qemu-kvm", Verdict.Fail),
            SampleRuns.Result("timer", "qemu-kvm", Verdict.Error),
            SampleRuns.Result("timer", "qemu-kvm", Verdict.Skip, repeat: 1),
            SampleRuns.Result("tsc", "qemu-kvm", Verdict.Ok, suite: "time"));

        var root = doc.Root!;
        Assert.Equal("testsuites", root.Name.LocalName);
        Assert.Equal(["apic.qemu-kvm", "apic.reference", "rig.targets", "time.qemu-kvm"],
            root.Elements("testsuite").Select(s => (string)s.Attribute("name")!).Order());
        var kvm = root.Elements("testsuite").Single(s => (string)s.Attribute("name")! == "apic.qemu-kvm");
        Assert.Equal(("3", "1", "1", "1"), ((string)kvm.Attribute("tests")!, (string)kvm.Attribute("failures")!,
            (string)kvm.Attribute("errors")!, (string)kvm.Attribute("skipped")!));
        Assert.All(kvm.Elements("testcase"), c => Assert.Equal("apic.qemu-kvm", (string)c.Attribute("classname")!));
        Assert.Equal(["reset-state", "timer", "timer#1"], kvm.Elements("testcase").Select(c => (string)c.Attribute("name")!));
        var failure = kvm.Elements("testcase").First().Element("failure")!;
        Assert.Equal("reset-state fail on qemu-kvm", (string)failure.Attribute("message")!);
        Assert.Equal("oracle: SDM 12.4.7.1", failure.Value);
        Assert.Equal("6", (string)root.Attribute("tests")!); // five results and the unavailable xen target
        Assert.Equal("QEMU emulator version 7.2.15",
            kvm.Element("properties")!.Elements().Single(p => (string)p.Attribute("name")! == "target.version").Attribute("value")!.Value);
    }

    [Fact]
    public void AnUnavailableTargetIsASkipWithItsReason()
    {
        var doc = WriteAndParse(SampleRuns.Run("r1", "run-1"), SampleRuns.Result("a", "reference", Verdict.Ok));
        var xen = doc.Descendants("testcase").Single(c => (string)c.Attribute("name")! == "xen");
        Assert.Equal("target unavailable: xl not found on PATH", (string)xen.Element("skipped")!.Attribute("message")!);
    }

    [Fact]
    public void HostileGuestOutputStaysWellFormed()
    {
        const string hostile = "</failure><x>\u001b[31mred\u0000\u0007 ]]> \uD800 & <![CDATA[";
        var result = SampleRuns.Result("a\u0001<b>", "qemu-kvm", Verdict.Fail, evidence: hostile) with { Log = hostile, Summary = hostile };
        var doc = WriteAndParse(SampleRuns.Run("../../escape", "run/1"), result);

        var failure = doc.Descendants("failure").Single();
        Assert.Equal(XmlSafeText.Clean(hostile), failure.Value);
        Assert.Contains("\\x1B[31mred\\x00\\x07 ]]>", failure.Value);
        Assert.Equal(XmlSafeText.Clean(hostile), doc.Descendants("system-out").Single().Value);
        Assert.Equal("a\\x01<b>", (string)doc.Descendants("testcase").First().Attribute("name")!);
    }

    [Fact]
    public void ReleaseAndRunNamesCannotEscapeTheResultsDirectory()
    {
        var path = JunitWriter.DefaultPath(_directory.FullName, SampleRuns.Run("../..", "a/../../b"));
        Assert.StartsWith(_directory.FullName + Path.DirectorySeparatorChar, Path.GetFullPath(path));
        Assert.Equal(3, Path.GetRelativePath(_directory.FullName, path).Split(Path.DirectorySeparatorChar).Length);
    }
}
