using Rig.Hypervisor.Boot;
using Rig.Hypervisor.Cli;
using Rig.Hypervisor.Defects;
using Rig.Hypervisor.Devices;
using Rig.Hypervisor.Kvm;
using Rig.Hypervisor.Qmp;
using Rig.Hypervisor.Vm;

long mainEntered = System.Diagnostics.Stopwatch.GetTimestamp();
var cpuAtMain = Environment.CpuUsage.TotalTime;
HvArguments arguments;
try
{
    arguments = HvArguments.Parse(args);
}
catch (UsageException e)
{
    Console.Error.WriteLine($"rig-hv: {e.Message}");
    return ExitCodes.Usage;
}

if (arguments.ShowHelp)
{
    Console.WriteLine(HvArguments.Help);
    return 0;
}

if (arguments.ListDefects)
{
    foreach (var defect in DefectCatalog.All)
    {
        Console.WriteLine($"{defect.Name} (seed {defect.Seed}, {defect.Area}): {defect.Description}");
    }

    return 0;
}

var trace = arguments.TraceStart ? new StartTrace(Console.Error) : null;
trace?.Mark("main", mainEntered, cpuAtMain);
SerialBackend? com1 = null;
SerialBackend? com2 = null;
QmpListener? qmpListener = null;
VirtualMachine? vm = null;
QmpServer? qmp = null;
try
{
    var image = PvhElfImage.Load(arguments.Image!);
    trace?.Mark("image-read");
    Action<ReadOnlyMemory<byte>>? com1Input = null;
    Action<ReadOnlyMemory<byte>>? com2Input = null;
    com1 = SerialBackend.Open(arguments.Com1, bytes => com1Input?.Invoke(bytes));
    com2 = arguments.Com2 is { } spec ? SerialBackend.Open(spec, bytes => com2Input?.Invoke(bytes)) : null;
    qmpListener = arguments.Qmp is { } qmpPath ? QmpListener.Bind(qmpPath) : null;
    vm = new VirtualMachine(new VmOptions
    {
        Image = image,
        Vcpus = arguments.Vcpus,
        MemoryBytes = arguments.MemoryBytes,
        CommandLine = arguments.CommandLine,
        Irqchip = arguments.Irqchip,
        Machine = arguments.Machine,
        Defects = arguments.Defects,
        Timeout = arguments.Timeout,
        StayAfterGuestStop = arguments.Qmp is not null,
        StartPaused = arguments.StartPaused,
        Com1 = trace is null ? com1.Write : b =>
        {
            trace.Com1Byte();
            com1.Write(b);
        },
        Com2 = com2 is null ? _ => { } : com2.Write,
        StartStage = trace is null ? _ => { } : trace.Mark,
    });
    trace?.Mark("vm-built");
    // On xen-pvh both sockets feed the guest's one PV console (acks come on COM2); on a PC each feeds its UART.
    var (uart1, uart2, console) = (vm.Com1, vm.Com2, vm.PvConsole);
    com1Input = console is null ? bytes => uart1.Receive(bytes.Span) : bytes => console.Receive(bytes.Span);
    com2Input = console is null ? bytes => uart2.Receive(bytes.Span) : bytes => console.Receive(bytes.Span);
    if (qmpListener is not null)
    {
        qmp = QmpServer.Start(qmpListener, vm, Console.Error);
    }

    vm.Start();
    return vm.WaitForExit();
}
catch (Exception e) when (e is BootImageException or ArgumentException or IOException or System.Net.Sockets.SocketException)
{
    Console.Error.WriteLine($"rig-hv: {e.Message}");
    return ExitCodes.Usage;
}
catch (KvmException e)
{
    Console.Error.WriteLine($"rig-hv: {e.Message}");
    return ExitCodes.InternalError;
}
finally
{
    trace?.Write();
    if (qmp is not null)
    {
        await qmp.DisposeAsync();
    }
    else
    {
        qmpListener?.Dispose();
    }

    vm?.Dispose();
    com1?.Dispose();
    com2?.Dispose();
}
