using System.Text.Json;
using Rig.Cli;

namespace Rig.Tests.Cli;

/// <summary>The --json shapes: what a script reads must keep its snake_case field names and round-trip.</summary>
public sealed class JsonOutputTests
{
    [Fact]
    public void Targets_document_has_snake_case_fields_and_parses_back()
    {
        var json = JsonOutput.Serialize(new TargetsJson([new TargetJson("qemu-kvm-userapic", "qemu", false, "9.2", "no /dev/kvm")]));
        using var doc = JsonDocument.Parse(json);
        var target = doc.RootElement.GetProperty("targets")[0];
        Assert.Equal("qemu-kvm-userapic", target.GetProperty("name").GetString());
        Assert.Equal("qemu", target.GetProperty("kind").GetString());
        Assert.False(target.GetProperty("available").GetBoolean());
        Assert.Equal("9.2", target.GetProperty("version").GetString());
        Assert.Equal("no /dev/kvm", target.GetProperty("reason").GetString());
    }

    [Fact]
    public void Run_document_carries_counts_and_results_with_duration_in_seconds()
    {
        var run = new RunJson("r1", "v1", new Dictionary<string, int> { ["ok"] = 1, ["fail"] = 0 }, [],
            [new CaseResultJson("apic", "timer-after-reboot", "reference", "ok", "fine", 1.5, 0)]);
        using var doc = JsonDocument.Parse(JsonOutput.Serialize(run));
        var root = doc.RootElement;
        Assert.Equal("r1", root.GetProperty("run_id").GetString());
        Assert.Equal("v1", root.GetProperty("release").GetString());
        Assert.Equal(1, root.GetProperty("counts").GetProperty("ok").GetInt32());
        var result = root.GetProperty("results")[0];
        Assert.Equal("timer-after-reboot", result.GetProperty("case").GetString());
        Assert.Equal("ok", result.GetProperty("verdict").GetString());
        Assert.Equal(1.5, result.GetProperty("duration_s").GetDouble());
    }

    [Fact]
    public void Mutate_and_compare_documents_name_their_rows()
    {
        var mutate = new MutateJson(true, null, ["d1"],
            [new KillRowJson("apic.x", "ok", new Dictionary<string, string?> { ["d1"] = "fail" })],
            [new KillJson("d1", "apic.x", 3, 3, 0.2, true, "FAIL x")], []);
        using var m = JsonDocument.Parse(JsonOutput.Serialize(mutate));
        Assert.True(m.RootElement.GetProperty("holds").GetBoolean());
        Assert.Equal("fail", m.RootElement.GetProperty("rows")[0].GetProperty("cells").GetProperty("d1").GetString());
        Assert.Equal(3, m.RootElement.GetProperty("failures")[0].GetProperty("failed_runs").GetInt32());

        var compare = new CompareJson("v2", "v1", true, [new VerdictRegressionJson("time", "drift", "kvm", "ok", "fail")],
            [new DriftRegressionJson("time", "drift", "kvm", "ppm", "ppm", 1, double.NaN, 5, null)]);
        using var c = JsonDocument.Parse(JsonOutput.Serialize(compare));
        Assert.True(c.RootElement.GetProperty("has_regressions").GetBoolean());
        Assert.Equal("fail", c.RootElement.GetProperty("regressions")[0].GetProperty("current").GetString());
        Assert.Equal("NaN", c.RootElement.GetProperty("drift_regressions")[0].GetProperty("current_median").GetString());
    }
}
