using Rig.Scaffold;

namespace Rig.Tests.Scaffold;

public sealed class CaseScaffolderTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("rig-scaffold-").FullName;

    public CaseScaffolderTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "tests/Rig.Suites.Tests"));
        File.WriteAllText(Path.Combine(_root, "tests/Rig.Suites.Tests/Rig.Suites.Tests.csproj"),
            "<Project>\n  <ItemGroup>\n    <ProjectReference Include=\"../../suites/apic/Rig.Suites.Apic.csproj\" />\n  </ItemGroup>\n</Project>\n");
        Directory.CreateDirectory(Path.Combine(_root, "suites/apic"));
        File.WriteAllText(Path.Combine(_root, "suites/apic/Rig.Suites.Apic.csproj"),
            "<Project>\n  <ItemGroup>\n    <Probe Include=\"probes/*.cs\" />\n  </ItemGroup>\n</Project>\n");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void A_case_is_spelled_once_and_every_name_derives_from_it()
    {
        var skeleton = CaseSkeleton.TryCreate("nmi-mce", "lvt-read-back", out _)!;
        Assert.Equal("LvtReadBack", skeleton.Name);
        Assert.Equal("nmi-mce.lvt-read-back", skeleton.Id);
        Assert.Equal("suites/nmi-mce/Rig.Suites.NmiMce.csproj", skeleton.ProjectPath);
        Assert.Equal(skeleton.Id, CaseSkeleton.TryCreate("nmi-mce", "LvtReadBack", out _)!.Id);
        Assert.All(skeleton.Files(), f => Assert.Contains("LvtReadBack", f.Path, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Apic", "x")]
    [InlineData("apic", "lvt_read")]
    [InlineData("apic", "-lvt")]
    [InlineData("apic", "")]
    public void A_name_that_cannot_be_a_case_is_refused_with_why(string suite, string name)
    {
        Assert.Null(CaseSkeleton.TryCreate(suite, name, out var why));
        Assert.NotEmpty(why);
    }

    [Fact]
    public void An_existing_suite_gets_the_five_files_and_its_record_schemas_in_the_probe_build()
    {
        var outcome = CaseScaffolder.Write(_root, CaseSkeleton.TryCreate("apic", "lvt-read-back", out _)!);

        Assert.False(outcome.NewSuite);
        Assert.Equal(5, outcome.Written.Count);
        Assert.All(outcome.Written, p => Assert.True(File.Exists(Path.Combine(_root, p)), p));
        var project = File.ReadAllText(Path.Combine(_root, "suites/apic/Rig.Suites.Apic.csproj"));
        Assert.Contains("    <Probe Include=\"probes/*.cs\" />\n    <ProbeSupport Include=\"Records/*.cs\" />", project);
        var probe = File.ReadAllText(Path.Combine(_root, "suites/apic/probes/LvtReadBack.cs"));
        var oracle = File.ReadAllText(Path.Combine(_root, "suites/apic/Oracles/LvtReadBackRules.cs"));
        Assert.Contains("LvtReadBackRecord.Backwards", probe);
        Assert.Contains("LvtReadBackRecord.Backwards", oracle);
    }

    [Fact]
    public void A_new_suite_gets_its_project_and_the_oracle_tests_reference_it()
    {
        var outcome = CaseScaffolder.Write(_root, CaseSkeleton.TryCreate("cpu", "int-n-at-cpl3", out _)!);

        Assert.True(outcome.NewSuite);
        Assert.Contains("suites/cpu/Rig.Suites.Cpu.csproj", outcome.Written);
        Assert.Contains("<ProbeSupport Include=\"Records/*.cs\" />", File.ReadAllText(Path.Combine(_root, "suites/cpu/Rig.Suites.Cpu.csproj")));
        Assert.Contains("<ProjectReference Include=\"../../suites/cpu/Rig.Suites.Cpu.csproj\" />",
            File.ReadAllText(Path.Combine(_root, "tests/Rig.Suites.Tests/Rig.Suites.Tests.csproj")));
    }

    [Fact]
    public void A_taken_name_writes_nothing()
    {
        var skeleton = CaseSkeleton.TryCreate("apic", "lvt-read-back", out _)!;
        CaseScaffolder.Write(_root, skeleton);
        var before = File.ReadAllText(Path.Combine(_root, "suites/apic/LvtReadBack.cs"));
        File.WriteAllText(Path.Combine(_root, "suites/apic/LvtReadBack.cs"), before + "// edited\n");

        Assert.Throws<InvalidOperationException>(() => CaseScaffolder.Write(_root, skeleton));
        Assert.EndsWith("// edited\n", File.ReadAllText(Path.Combine(_root, "suites/apic/LvtReadBack.cs")));
    }
}
