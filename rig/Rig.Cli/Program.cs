using System.CommandLine;
using System.Runtime.InteropServices;
using Rig.Cli;
using Rig.Cli.Commands;
using Rig.Hosting;
using Spectre.Console;

// No VMM may outlive the rig: Ctrl-C and SIGTERM kill them here (StopSignal); SIGKILL is covered by setpriv --pdeathsig (ChildProcesses).
using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, StopSignal.Handle);
using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, StopSignal.Handle);
ConsoleWidth.Apply(AnsiConsole.Console, Console.IsOutputRedirected, Environment.GetEnvironmentVariable("COLUMNS"));

var root = new RootCommand("Rig: conformance and regression tests for x86-64 hypervisors (see README.md)")
{
    TargetsCommand.Create(),
    RunCommand.Create(),
    ReportCommand.Create(),
    CompareCommand.Create(),
    MutateCommand.Create(),
    NewCaseCommand.Create(),
    FuzzCommand.Create(),
};
var parsed = root.Parse(args);
var exitCode = parsed.Invoke();
ChildProcesses.KillAll();

// A usage error (unknown verb or flag) is the caller's mistake, not a failing case: 2, like any rig error.
return parsed.Errors.Count > 0 ? ExitCodes.RigError : exitCode;
