using Rig.Hypervisor.Defects;

namespace Rig.Hypervisor.Qmp;

/// <summary>
/// The commands rig-hv answers: QEMU's subset the rig uses (names, parameters and result shapes as QEMU 7.2's
/// qapi/*.json) plus vendor commands, prefixed "x-rig-" as QEMU prefixes unstable ones with "x-".
/// Each turns wire arguments into one <see cref="IVmControl"/> call; the VM does the work. The vendor commands exist only
/// for a VM that offers them (<see cref="IVendorVmControl"/>).
/// </summary>
internal sealed class QmpCommands
{
    public const string Capabilities = "qmp_capabilities";

    /// <summary>Coverage sites per x-rig-coverage reply: about 100 bytes each, well inside one 64 KiB line.</summary>
    private const int CoveragePage = 400;

    private static readonly IReadOnlyDictionary<string, object?> Empty = new Dictionary<string, object?>();

    private readonly IVmControl _vm;
    private readonly Dictionary<string, Command> _commands;

    private sealed record Command(IReadOnlyList<QmpParameter> Parameters, Func<QmpArguments, object?> Run);

    public QmpCommands(IVmControl vm)
    {
        _vm = vm;
        _commands = new Dictionary<string, Command>(StringComparer.Ordinal)
        {
            // Negotiation itself is the session's business; here it only has to validate its "enable" list.
            [Capabilities] = new([new("enable", QmpArgumentType.Array, Required: false)], EnableCapabilities),
            ["query-status"] = new([], _ => QueryStatus()),
            ["query-commands"] = new([], _ => Names.Select(n => new Dictionary<string, object?> { ["name"] = n }).ToList()),
            ["stop"] = new([], _ => Done(_vm.Stop)),
            ["cont"] = new([], _ => Done(_vm.Cont)),
            ["system_reset"] = new([], _ => Done(_vm.SystemReset)),
            ["inject-nmi"] = new([], _ => Done(_vm.InjectNmi)),
            ["quit"] = new([], _ => Done(_vm.Quit)),
            // As QEMU's: the rig re-pins vCPU threads by these ids (suites/sched's host churn).
            ["query-cpus-fast"] = new([], _ => QueryCpusFast()),
            ["pmemsave"] = new(
                [new("val", QmpArgumentType.Integer), new("size", QmpArgumentType.Integer), new("filename", QmpArgumentType.String)],
                a => Done(() => PhysicalMemoryDump.Save(_vm, a.Integer("val"), a.Integer("size"), a.String("filename")))),
            // cpu-index selects HMP's "current CPU"; mce names its CPU itself, so it is accepted and has no effect.
            ["human-monitor-command"] = new(
                [new("command-line", QmpArgumentType.String), new("cpu-index", QmpArgumentType.Integer, Required: false)],
                a => HmpCommandLine.Execute(a.String("command-line"), _vm)),
        };
        if (vm is IVendorVmControl vendor)
        {
            AddVendorCommands(vendor);
        }
    }

    private IEnumerable<string> Names => _commands.Keys;

    /// <summary>Runs a checked request and returns its "return" value; failures are thrown as <see cref="QmpError"/>.</summary>
    public object? Execute(QmpRequest request)
    {
        if (!_commands.TryGetValue(request.Command, out var command))
        {
            throw new QmpError(QmpError.CommandNotFound, $"The command {request.Command} has not been found");
        }

        var arguments = QmpArguments.Check(request.Arguments, command.Parameters);
        try
        {
            return command.Run(arguments);
        }
        catch (VmControlException e)
        {
            throw new QmpError(e.ErrorClass, e.Message);
        }
    }

    private static object? Done(Action action)
    {
        action();
        return Empty;
    }

    private static object? EnableCapabilities(QmpArguments arguments)
    {
        // The greeting offers no capabilities (no "oob"), so any requested one is refused with QEMU's text.
        if (arguments.Array("enable").FirstOrDefault() is { ValueKind: not System.Text.Json.JsonValueKind.Undefined } capability)
        {
            throw QmpError.Generic($"Capability '{capability}' not available");
        }

        return Empty;
    }

    private Dictionary<string, object?> QueryStatus()
    {
        var state = _vm.State;
        return new Dictionary<string, object?>
        {
            ["status"] = state switch
            {
                VmRunState.Running => "running",
                VmRunState.Paused => "paused",
                VmRunState.Shutdown => "shutdown",
                VmRunState.InternalError => "internal-error",
                VmRunState.GuestPanicked => "guest-panicked",
                _ => throw new InvalidOperationException($"run state {state} has no QMP name"),
            },
            ["singlestep"] = false,
            ["running"] = state == VmRunState.Running,
        };
    }

    private void AddVendorCommands(IVendorVmControl vendor)
    {
        var name = new QmpParameter("name", QmpArgumentType.String);
        var commands = new Dictionary<string, Command>(StringComparer.Ordinal)
        {
            ["x-rig-snapshot-save"] = new([name], a => Done(() => vendor.SaveSnapshot(a.String("name")))),
            ["x-rig-snapshot-revert"] = new(
                [name, new("calibrate-during", QmpArgumentType.Boolean, Required: false)],
                a => Done(() => vendor.RevertSnapshot(a.String("name"), a.Boolean("calibrate-during")))),
            ["x-rig-snapshots"] = new([], _ => vendor.Snapshots.Select(n => new Dictionary<string, object?> { ["name"] = n }).ToList()),
            ["x-rig-defects"] = new([], _ => ListDefects(vendor)),
            ["x-rig-defect-enable"] = new([name], a => Done(() => EnableDefect(vendor, a.String("name")))),
            // The time suite races calibrations against reverts (seed 000), so it can force one and set their rate.
            ["x-rig-calibrate"] = new([], _ => new Dictionary<string, object?> { ["calibrations"] = vendor.CalibrateClock() }),
            ["x-rig-calibration-period"] = new(
                [new("period-us", QmpArgumentType.Integer)],
                a => Done(() => vendor.SetCalibrationPeriod(TimeSpan.FromMicroseconds(a.Integer("period-us"))))),
            // time.torn-record: calibrations at hz per second, each record update held half written for hold-us.
            ["x-rig-recalibrate"] = new(
                [new("hz", QmpArgumentType.Integer), new("hold-us", QmpArgumentType.Integer)],
                a => Done(() => Recalibrate(vendor, a.Integer("hz"), a.Integer("hold-us")))),
        };
        // rig fuzz's feedback: every handler site guest inputs reached, with counts.
        commands["x-rig-coverage"] = new([new("from", QmpArgumentType.Integer, Required: false)], a => QueryCoverage(vendor.Coverage, a.Integer("from", 0)));
        foreach (var (command, parameters, run) in EvtchnCommands.All(() => vendor.EventChannels))
        {
            commands[command] = new(parameters, run);
        }

        var (setIrq, setIrqParameters, runSetIrq) = IoApicCommands.SetIrq(() => vendor.IoApic);
        commands[setIrq] = new(setIrqParameters, runSetIrq);

        foreach (var (command, definition) in commands)
        {
            _commands[command] = definition;
        }
    }

    private List<Dictionary<string, object?>> QueryCpusFast() =>
        [.. _vm.VcpuThreads.Select(v => new Dictionary<string, object?>
        {
            ["cpu-index"] = v.Index,
            ["thread-id"] = v.ThreadId,
            ["qom-path"] = $"/machine/unattached/device[{v.Index}]",
            ["target"] = "x86_64",
        })];

    /// <summary>One page of the coverage table (a QMP reply is one line, and the rig's reader bounds lines at 64 KiB).</summary>
    private static Dictionary<string, object?> QueryCoverage(Rig.Hypervisor.Coverage.HandlerCoverage coverage, ulong from) => new()
    {
        ["count"] = coverage.Count,
        ["dropped"] = coverage.Dropped,
        ["sites"] = coverage.Page((int)Math.Min(from, int.MaxValue), CoveragePage).Select(s => new Dictionary<string, object?>
        {
            ["interface"] = s.Site.Interface,
            ["handler"] = s.Site.Handler,
            ["detail"] = s.Site.Detail,
            ["hits"] = s.Hits,
        }).ToList(),
    };

    private static List<Dictionary<string, object?>> ListDefects(IVendorVmControl vendor)
    {
        var enabled = vendor.EnabledDefects;
        return [.. DefectCatalog.All.Select(d => new Dictionary<string, object?>
        {
            ["name"] = d.Name,
            ["seed"] = d.Seed,
            ["area"] = d.Area,
            ["description"] = d.Description,
            ["enabled"] = enabled.Contains(d.Name),
        })];
    }

    private static void Recalibrate(IVendorVmControl vendor, ulong hz, ulong holdMicroseconds)
    {
        if (hz == 0)
        {
            throw QmpError.Generic("hz must be at least 1");
        }

        vendor.SetCalibrationPeriod(TimeSpan.FromSeconds(1.0 / hz));
        vendor.HoldTimeRecordUpdates(TimeSpan.FromMicroseconds(holdMicroseconds));
    }

    private static void EnableDefect(IVendorVmControl vendor, string defect)
    {
        if (DefectCatalog.Find(defect) is null)
        {
            throw QmpError.Generic($"unknown defect '{defect}'; known: {string.Join(", ", DefectCatalog.All.Select(d => d.Name))}");
        }

        vendor.EnableDefect(defect);
    }
}
