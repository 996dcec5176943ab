using Rig.Cases;

namespace Rig.Scaffold;

/// <summary>
/// The files of a new case (<c>./run.sh new-case SUITE NAME</c>), in the shape every case has: the case (boots the
/// probe named by its class, judges, finishes), the probe, the record schema both of them compile, the oracle as a
/// pure function, and the oracle's test. The skeleton is a working case, not a placeholder: its probe checks that the
/// TSC read twice on one vCPU never steps back (SDM Vol. 3B 18.17), so it passes on a conforming target and fails on
/// one that is not, until its author replaces the check with the one the new case exists for.
/// </summary>
public sealed class CaseSkeleton
{
    private CaseSkeleton(string suite, string name)
    {
        Suite = suite;
        Name = name;
    }

    /// <summary>The suite id (apic, nmi-mce).</summary>
    public string Suite { get; }

    /// <summary>The case's one spelling, the fixture class (TimerAfterReboot); its id is <see cref="Id"/>.</summary>
    public string Name { get; }

    public string Id => $"{Suite}.{KebabCase.From(Name)}";

    /// <summary>The suite's C# area (nmi-mce → NmiMce), as in its assembly Rig.Suites.&lt;Area&gt;.</summary>
    public string Area => Pascal(Suite);

    public string SuiteDirectory => $"suites/{Suite}";

    public string ProjectPath => $"{SuiteDirectory}/Rig.Suites.{Area}.csproj";

    /// <summary>Takes the suite and case as a user types them (kebab or Pascal); null with why when they cannot name a case.</summary>
    public static CaseSkeleton? TryCreate(string suite, string name, out string why)
    {
        why = "";
        if (!IsKebab(suite))
        {
            why = $"suite '{suite}' is not a kebab-case id (like apic or nmi-mce)";
            return null;
        }

        var pascal = IsKebab(name) ? Pascal(name) : name;
        if (pascal.Length == 0 || !char.IsAsciiLetterUpper(pascal[0]) || !pascal.All(char.IsAsciiLetterOrDigit))
        {
            why = $"case '{name}' is neither kebab-case (lvt-read-back) nor PascalCase (LvtReadBack)";
            return null;
        }

        return new CaseSkeleton(suite, pascal);
    }

    /// <summary>The files to write, relative to the repository root; none of them may exist yet.</summary>
    public IReadOnlyList<(string Path, string Text)> Files() =>
    [
        ($"{SuiteDirectory}/{Name}.cs", CaseText()),
        ($"{SuiteDirectory}/probes/{Name}.cs", ProbeText()),
        ($"{SuiteDirectory}/Records/{Name}Record.cs", RecordText()),
        ($"{SuiteDirectory}/Oracles/{Name}Rules.cs", OracleText()),
        ($"tests/Rig.Suites.Tests/{Area}/{Name}RulesTests.cs", OracleTestText()),
    ];

    /// <summary>The project of a suite that does not exist yet.</summary>
    public string ProjectText() => $"""
        <Project Sdk="Microsoft.NET.Sdk">
          <!-- suites/{Suite}: what this suite checks and the seed it exists for. Cases here, probes in probes/. -->
          <PropertyGroup>
            <RootNamespace>Rig.Suites.{Area}</RootNamespace>
            <IsTestProject>true</IsTestProject>
            <IsPackable>false</IsPackable>
          </PropertyGroup>
          <ItemGroup>
            <PackageReference Include="Microsoft.NET.Test.Sdk" />
            <PackageReference Include="NUnit" />
            <PackageReference Include="NUnit3TestAdapter" />
          </ItemGroup>
          <ItemGroup>
            <ProjectReference Include="../../rig/Rig.Core/Rig.Core.csproj" />
          </ItemGroup>
        {RecordsItemGroup}
          <Import Project="$(RepoRoot)guest-probes/Probes.targets" />
        </Project>

        """;

    /// <summary>What a suite project needs so its probes compile its record schemas (see <see cref="RecordText"/>).</summary>
    public const string RecordsItemGroup = """
          <ItemGroup>
            <Compile Remove="probes/**" />
            <Probe Include="probes/*.cs" />
            <!-- Record schemas: compiled into the probes and into the cases, so a renamed field fails the build. -->
            <ProbeSupport Include="Records/*.cs" />
          </ItemGroup>
        """;

    private string RecordKind => KebabCase.From(Name) + "-sample";

    private string CaseText() => $$"""
        using NUnit.Framework;
        using Rig.Cases;
        using Rig.Suites.{{Area}}.Oracles;
        using Rig.Suites.{{Area}}.Records;

        namespace Rig.Suites.{{Area}};

        /// <summary>
        /// {{Id}}: what the case checks, and the seed or bug it exists for. (Written by ./run.sh new-case: it checks
        /// that the TSC never steps back on one vCPU until you give it its own check.)
        /// </summary>
        [TestFixture]
        public sealed class {{Name}}
        {
            [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
            public async Task Run(string target)
            {
                var reads = Profile.Pick(normal: 100_000, lab: 10_000_000);
                await using var c = await RigCase.BootAsync(target, append: $"reads={reads}");
                var exit = await c.RunToExitAsync(TimeSpan.FromSeconds(60));
                c.Oracle({{Name}}Rules.Rule);
                var samples = c.Records.Where(r => r.Kind == {{Name}}Record.Kind).ToList();
                c.ReportAll({{Name}}Rules.Check(samples));
                c.Finish(exit, $"{reads} ordered TSC reads, none stepped back");
            }
        }

        """;

    private string ProbeText() => $$"""
        using Rig.Guest;
        using Rig.Suites.{{Area}}.Records;

        /// <summary>
        /// {{Id}}, guest side: reads the TSC in pairs (ordered reads, so the CPU cannot run one ahead of the other) and
        /// prints one {{RecordKind}} record with how many pairs stepped back.
        /// </summary>
        public static unsafe class Probe
        {
            public static void Main()
            {
                ulong reads = CommandLine.GetNumber("reads", 100_000);
                ulong backwards = 0;
                ulong previous = Cpu.RdtscOrdered();
                for (ulong i = 0; i < reads; i++)
                {
                    ulong now = Cpu.RdtscOrdered();
                    if (now < previous)
                    {
                        backwards++;
                    }
                    previous = now;
                }

                Line line = default;
                line.Text("RIG ");
                line.Text({{Name}}Record.Kind);
                line.Field({{Name}}Record.Reads, reads);
                line.Field({{Name}}Record.Backwards, backwards);
                Report.Emit(ref line);
            }
        }

        """;

    private string RecordText() => $$"""
        namespace Rig.Suites.{{Area}}.Records;

        /// <summary>
        /// `RIG {{RecordKind}} reads=N backwards=N`: printed by probes/{{Name}}.cs, judged by Oracles/{{Name}}Rules.cs.
        /// Compiled into both (the suite's ProbeSupport), so a field renamed on one side fails the build, not a run.
        /// </summary>
        public static class {{Name}}Record
        {
            public const string Kind = "{{RecordKind}}";
            public const string Reads = "reads";
            public const string Backwards = "backwards";
        }

        """;

    private string OracleText() => $$"""
        using Rig.Protocol;
        using Rig.Suites.{{Area}}.Records;

        namespace Rig.Suites.{{Area}}.Oracles;

        /// <summary>The rule {{Id}} judges, as a pure function over the probe's records (tested without a VM).</summary>
        public static class {{Name}}Rules
        {
            public const string Rule = "SDM Vol. 3B 18.17: the time-stamp counter increments monotonically, so two ordered reads on one vCPU never step back";

            public static IEnumerable<string> Check(IReadOnlyList<Record> samples)
            {
                if (samples.Count == 0)
                {
                    yield return "the probe printed no " + {{Name}}Record.Kind + " record";
                }

                foreach (var sample in samples.Where(s => s.GetInt64({{Name}}Record.Backwards) != 0))
                {
                    yield return $"the TSC stepped back {sample[{{Name}}Record.Backwards]} times in {sample[{{Name}}Record.Reads]} ordered reads";
                }
            }
        }

        """;

    private string OracleTestText() => $$"""
        using Rig.Protocol;
        using Rig.Suites.{{Area}}.Oracles;
        using Rig.Suites.{{Area}}.Records;
        using Record = Rig.Protocol.Record;

        namespace Rig.Suites.Tests.{{Area}};

        public class {{Name}}RulesTests
        {
            private static Record Sample(long backwards) =>
                RecordParser.TryParse($"RIG {{{Name}}Record.Kind} {{{Name}}Record.Reads}=1000 {{{Name}}Record.Backwards}={backwards}")!;

            [Fact]
            public void A_monotonic_trace_passes() => Assert.Empty({{Name}}Rules.Check([Sample(0)]));

            [Fact]
            public void A_step_back_fails() => Assert.Single({{Name}}Rules.Check([Sample(3)]));

            [Fact]
            public void No_record_is_a_failure_never_a_pass() => Assert.Single({{Name}}Rules.Check([]));
        }

        """;

    private static bool IsKebab(string s) =>
        s.Length > 0 && char.IsAsciiLetterLower(s[0]) && s.All(ch => char.IsAsciiLetterLower(ch) || char.IsAsciiDigit(ch) || ch == '-')
        && !s.EndsWith('-') && !s.Contains("--", StringComparison.Ordinal);

    private static string Pascal(string kebab) =>
        string.Concat(kebab.Split('-').Where(w => w.Length > 0).Select(w => char.ToUpperInvariant(w[0]) + w[1..]));
}
