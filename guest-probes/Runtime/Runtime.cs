using System.Runtime;

namespace Rig.Guest;

/// <summary>
/// Entry from the stub at CPL3 (RDI = boot info, RSI = vCPU index) and the probe's life cycle: console, boot
/// record, the probe's Main, exit through port 0xF4.
/// </summary>
public static unsafe class Runtime
{
    internal static BootInfo* Boot;

    public static StartInfo* StartInfo { get; private set; }

    /// <summary>
    /// A PC's legacy devices are there (COM1, CMOS, PIT); false on Xen PVH, where the PV console is the only channel
    /// (<see cref="XenConsole"/>) and a case needing one of them skips naming it.
    /// </summary>
    public static bool LegacyPc => !XenConsole.Active;

    /// <summary>CMOS boot counter of this boot (1 = first boot of the VM; always 1 without CMOS).</summary>
    public static int BootNumber { get; private set; }

    /// <summary>NMIs that arrived while a vCPU was in the CPL0 gate: counted by the stub, not delivered to C#.</summary>
    public static ulong NmisAtCpl0 => Atomic.Load(&Boot->NmiAtCpl0);

    [RuntimeExport("rig_entry")]
    private static void Entry(BootInfo* boot, ulong cpu)
    {
        if (cpu != 0)
        {
            Smp.ApEntry((int)cpu);
            return;
        }
        Boot = boot;
        StartInfo* info = (StartInfo*)boot->StartInfoPaddr;
        StartInfo = info != null && info->Magic == Guest.StartInfo.ExpectedMagic ? info : null;
        boot->ProbeName = (ulong)AsciiName();
        ulong heldStateCleared = HeldEvents.Reset();
        Events.Initialize();
        Ports.MeasureIopl();
        PlatformAtBoot.CaptureThenMaskPics();
        Console.Initialize();
        CommandLine.Initialize();
        BootNumber = LegacyPc ? Cmos.CountBoot() : 1;
        Line line = default;
        line.Text("RIG boot");
        line.Field("n", (ulong)BootNumber);
        line.Field("cpus", (ulong)Acpi.CpuCount());
        line.TextField("cmdline", CommandLine.Source);
        if (CommandLine.FromDeviceModel)
        {
            line.HexField("fw_cfg_id", FwCfg.Features);
        }
        if (heldStateCleared != 0)
        {
            line.Field("held_state_cleared", heldStateCleared);
        }
        Console.Write(ref line);
        Probe.Main();
        InterfaceUse.Print();
        Exit(Report.ExitStatus);
    }

    [RuntimeExport("rig_dispatch")]
    private static void Dispatch(EventFrame* frame) => Events.Dispatch(frame);

    /// <summary>isa-debug-exit: the VMM exits with (status &lt;&lt; 1) | 1; on Xen (PVH, or HVM without the device), SCHEDOP_shutdown. Never returns.</summary>
    public static void Exit(byte status)
    {
        if (!LegacyPc)
        {
            XenShutdown.Exit(status);
        }
        Console.Drain();
        Ports.Out8(0xF4, status);
        // Still running: nothing decodes the port (a Xen HVM guest, whose device model has no isa-debug-exit), so
        // Xen's own exit where Xen is there. When that fails too a line says why: else the run ends as a silent hang.
        Line line = Report.Start(Verdict.Error, ThisCase.Id);
        line.TextField("runtime", "cannot-exit");
        if (XenTime.Enable(out string absent))
        {
            line.SignedField("schedop_shutdown", XenShutdown.Exit(status));
        }
        else
        {
            line.TextField("reason", absent);
        }
        Console.WriteUnlocked(ref line);
        while (true)
        {
            Native.Pause();
        }
    }

    /// <summary>The runtime itself cannot go on: `RIG error` and exit 2.</summary>
    internal static void Fatal(string what)
    {
        Line line = Report.Start(Verdict.Error, ThisCase.Id);
        line.TextField("runtime", what);
        Console.WriteUnlocked(ref line);
        Exit(2);
    }

    internal static void UnexpectedException(EventFrame* frame)
    {
        Line line = Report.Start(Verdict.Error, ThisCase.Id);
        line.HexField("vector", frame->Vector);
        line.HexField("rip", frame->Rip);
        line.HexField("error", frame->ErrorCode);
        line.Field("cpu", (ulong)Cpu.Index);
        Console.WriteUnlocked(ref line);
        Exit(2);
    }

    /// <summary>The probe name as NUL-terminated ASCII, for the stub's CPL0 fatal report.</summary>
    private static byte* AsciiName()
    {
        string name = ThisCase.Id;
        byte* ascii = (byte*)Heap.Allocate((ulong)name.Length + 1);
        for (int i = 0; i < name.Length; i++)
        {
            ascii[i] = (byte)name[i];
        }
        return ascii;
    }
}
