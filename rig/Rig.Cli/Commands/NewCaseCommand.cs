using System.CommandLine;
using System.Diagnostics;
using Rig.Scaffold;
using Spectre.Console;

namespace Rig.Cli.Commands;

/// <summary><c>rig new-case SUITE NAME</c> (<c>./run.sh new-case</c>): writes a working case skeleton (<see cref="CaseSkeleton"/>).</summary>
public static class NewCaseCommand
{
    public static Command Create()
    {
        var suite = new Argument<string>("suite") { Description = "The suite id, existing or new (apic, nmi-mce, cpu)" };
        var name = new Argument<string>("name") { Description = "The case, kebab-case or PascalCase (lvt-read-back or LvtReadBack)" };
        var command = new Command("new-case", "Write a new case's skeleton (case, probe, record schema, oracle, oracle test) that builds and runs")
        {
            suite, name,
        };
        command.SetAction(parse => CliErrors.Guard(() =>
        {
            var skeleton = CaseSkeleton.TryCreate(parse.GetValue(suite)!, parse.GetValue(name)!, out var why)
                ?? throw new RigUsageException(why);
            var environment = RigEnvironment.Load();
            CaseScaffolder.Outcome outcome;
            try
            {
                outcome = CaseScaffolder.Write(environment.RepoRoot, skeleton);
            }
            catch (InvalidOperationException e)
            {
                throw new RigUsageException(e.Message);
            }

            if (outcome.NewSuite)
            {
                AddToSolution(environment.RepoRoot, skeleton.ProjectPath);
            }

            foreach (var path in outcome.Written)
            {
                AnsiConsole.MarkupLine($"wrote   {Markup.Escape(path)}");
            }

            foreach (var path in outcome.Changed)
            {
                AnsiConsole.MarkupLine($"changed {Markup.Escape(path)}");
            }

            AnsiConsole.MarkupLine($"run it: ./run.sh run --suite {skeleton.Suite} --target reference --filter {Markup.Escape(skeleton.Id)}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>A new suite's project joins Rig.sln under the suites folder, as `dotnet sln add` places it.</summary>
    private static void AddToSolution(string repoRoot, string project)
    {
        var start = new ProcessStartInfo("dotnet", ["sln", Path.Combine(repoRoot, "Rig.sln"), "add", "--solution-folder", "suites", Path.Combine(repoRoot, project)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start) ?? throw new RigUsageException("could not start dotnet to add the new suite to Rig.sln");
        var error = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new RigUsageException($"dotnet sln add {project} failed: {error.Trim()}");
        }
    }
}
