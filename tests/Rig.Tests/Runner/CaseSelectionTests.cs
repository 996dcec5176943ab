using Rig.Cases;
using Rig.Runner;

namespace Rig.Tests.Runner;

public sealed class CaseSelectionTests
{
    private static readonly HashSet<string> Apic = ["apic"];
    private static readonly HashSet<string> QemuKvm = ["qemu-kvm"];

    [Fact]
    public void Everything_is_selected_by_default()
    {
        Assert.True(CaseSelection.All.Selects("time", "Rig.Suites.Time.Drift", "Drift", "Rig.Suites.Time.Drift.Drift(\"xen\")", "xen"));
    }

    [Fact]
    public void Suite_and_target_filters_each_exclude()
    {
        var selection = new CaseSelection(Apic, QemuKvm, null);

        Assert.True(selection.Selects("apic", "C", "M", "C.M", "qemu-kvm"));
        Assert.False(selection.Selects("time", "C", "M", "C.M", "qemu-kvm"));
        Assert.False(selection.Selects("apic", "C", "M", "C.M", "qemu-tcg"));
    }

    [Fact]
    public void A_test_without_a_target_row_is_not_excluded_by_the_target_filter()
    {
        Assert.True(new CaseSelection(null, QemuKvm, null).Selects("apic", "C", "M", "C.M", target: null));
    }

    [Fact]
    public void A_narrowed_target_runs_only_its_suites_while_the_others_run_every_suite()
    {
        var selection = new CaseSelection(null, null, null, new Dictionary<string, IReadOnlySet<string>> { ["xen-tcg"] = Apic });

        Assert.True(selection.Selects("apic", "C", "M", "C.M", "xen-tcg"));
        Assert.False(selection.Selects("time", "C", "M", "C.M", "xen-tcg"));
        Assert.True(selection.Selects("time", "C", "M", "C.M", "qemu-kvm"));
    }

    [Fact]
    public void Default_suites_narrow_a_target_only_in_a_run_that_names_neither_a_suite_nor_that_target()
    {
        var targets = new Dictionary<string, Rig.Config.TargetOptions>
        {
            ["xen-tcg"] = new() { Kind = "xen", DefaultSuites = ["smoke", "apic"] },
            ["qemu-kvm"] = new() { Kind = "qemu" },
        };

        Assert.Equal(["xen-tcg"], CaseSelection.DefaultSuites(targets, null, null).Keys);
        Assert.Equal(["apic", "smoke"], CaseSelection.DefaultSuites(targets, null, null)["xen-tcg"].Order());
        Assert.Equal(["xen-tcg"], CaseSelection.DefaultSuites(targets, null, QemuKvm).Keys);
        Assert.Empty(CaseSelection.DefaultSuites(targets, null, new HashSet<string> { "xen-tcg" }));
        Assert.Empty(CaseSelection.DefaultSuites(targets, Apic, null));
    }

    [Fact]
    public void A_selection_describes_itself_in_the_flags_words()
    {
        Assert.Equal("--suite apic, every target, --filter '*x*' (a glob: * and ? only)", new CaseSelection(Apic, null, "*x*").Describe());
        Assert.Equal("every suite, --target qemu-kvm", new CaseSelection(null, QemuKvm, null).Describe());
    }

    [Theory]
    [InlineData("*Reboot*", true)]
    [InlineData("timerafterreboot", true)]
    [InlineData("Timer?fterReboot", true)]
    [InlineData("Rig.Suites.Apic.*", true)]
    [InlineData("Drift", false)]
    [InlineData("Timer", false)]
    public void The_glob_matches_method_class_or_full_name_case_insensitively(string glob, bool expected)
    {
        var selection = new CaseSelection(null, null, glob);

        Assert.Equal(expected, selection.Selects("apic", "Rig.Suites.Apic.TimerAfterReboot", "TimerAfterReboot",
            "Rig.Suites.Apic.TimerAfterReboot.TimerAfterReboot(\"qemu-kvm\")", "qemu-kvm"));
    }

    [Fact]
    public void Glob_metacharacters_other_than_star_and_question_mark_are_literal()
    {
        Assert.False(new CaseSelection(null, null, "a.c").Selects("s", "abc", "abc", "abc", null));
        Assert.True(new CaseSelection(null, null, "a.c").Selects("s", "a.c", "a.c", "a.c", null));
    }

    [Theory]
    [InlineData("Rig.Suites.Apic", "apic")]
    [InlineData("Rig.Suites.NmiMce", "nmi-mce")]
    [InlineData("Rig.Suites.Smoke", "smoke")]
    [InlineData("Rig.Suites.Tests", null)]
    [InlineData("Rig.Core", null)]
    [InlineData("Rig.Suites.", null)]
    public void Suite_names_come_from_assembly_names_by_convention(string assembly, string? suite)
    {
        Assert.Equal(suite, SuiteNames.FromAssemblyName(assembly));
    }

    [Fact]
    public void Discovery_finds_nunit_suite_assemblies_and_skips_test_projects_and_oracle_only_suites()
    {
        var root = Directory.CreateTempSubdirectory("rig-bin-");
        try
        {
            foreach (var name in new[] { "Rig.Suites.Apic", "Rig.Suites.Time", "Rig.Suites.Tests", "Rig.Core" })
            {
                var dir = Directory.CreateDirectory(Path.Combine(root.FullName, name, "debug"));
                File.WriteAllText(Path.Combine(dir.FullName, name + ".dll"), "");
                if (name != "Rig.Suites.Time")
                {
                    File.WriteAllText(Path.Combine(dir.FullName, "nunit.framework.dll"), "");
                }
            }

            var found = SuiteAssembly.Discover(root.FullName);

            Assert.Equal(["apic"], found.Select(f => f.Suite));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }
}
