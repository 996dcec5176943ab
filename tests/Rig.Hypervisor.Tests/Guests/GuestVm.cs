using System.Text;
using Iced.Intel;
using Rig.Hypervisor.Boot;
using Rig.Hypervisor.Qmp;
using Rig.Hypervisor.Vm;

namespace Rig.Hypervisor.Tests.Guests;

/// <summary>
/// Runs an Iced-assembled test guest in a <see cref="VirtualMachine"/> inside the test process, capturing COM1, COM2 and
/// the VM's events. Always bounded: the VM has a watchdog, and waits take a timeout.
/// </summary>
public sealed class GuestVm : IDisposable
{
    private readonly StringBuilder _com1 = new();
    private readonly StringBuilder _com2 = new();
    private readonly StringBuilder _vmmLog = new();
    private readonly List<VmEvent> _events = [];

    public GuestVm(Assembler code, Func<VmOptions, VmOptions>? configure = null, TimeSpan? watchdog = null)
        : this(PvhElf.Build(code), configure, watchdog)
    {
    }

    /// <param name="image">a PVH ELF, e.g. from <see cref="PvhElf.Build(Assembler, ulong, int)"/>.</param>
    public GuestVm(byte[] image, Func<VmOptions, VmOptions>? configure = null, TimeSpan? watchdog = null)
    {
        var options = new VmOptions
        {
            Image = PvhElfImage.Parse(image),
            MemoryBytes = 16UL << 20,
            Timeout = watchdog ?? TimeSpan.FromSeconds(30),
            Com1 = b => Append(_com1, b),
            Com2 = b => Append(_com2, b),
            Log = line =>
            {
                lock (_vmmLog)
                {
                    _vmmLog.AppendLine(line);
                }
            },
        };
        Vm = new VirtualMachine(configure?.Invoke(options) ?? options);
        Vm.Event += e =>
        {
            lock (_events)
            {
                _events.Add(e);
            }
        };
    }

    public VirtualMachine Vm { get; }

    public string Com1
    {
        get
        {
            lock (_com1)
            {
                return _com1.ToString();
            }
        }
    }

    public string Com2
    {
        get
        {
            lock (_com2)
            {
                return _com2.ToString();
            }
        }
    }

    /// <summary>What the VMM logged (a vCPU's fault, a panic), for a failing test's message.</summary>
    public string VmmLog
    {
        get
        {
            lock (_vmmLog)
            {
                return _vmmLog.ToString();
            }
        }
    }

    public IReadOnlyList<VmEvent> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>Starts the guest and waits for it to end; fails the test if it does not within <paramref name="timeout"/>.</summary>
    public int Run(TimeSpan? timeout = null)
    {
        Vm.Start();
        return Vm.WaitForExit(timeout ?? TimeSpan.FromSeconds(60))
               ?? throw new TimeoutException($"the guest did not end; COM1 so far: '{Com1}'");
    }

    /// <summary>Waits until COM1 contains <paramref name="text"/>; false on timeout.</summary>
    public bool WaitForCom1(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Com1.Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline || Vm.WaitForExit(TimeSpan.Zero) is not null)
            {
                return Com1.Contains(text, StringComparison.Ordinal);
            }

            Thread.Sleep(5);
        }

        return true;
    }

    /// <summary>Waits until <paramref name="condition"/> holds; false on timeout.</summary>
    public static bool WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            Thread.Sleep(5);
        }

        return true;
    }

    /// <summary>The 32-bit little-endian word of guest RAM at <paramref name="gpa"/>.</summary>
    public uint ReadUInt32(ulong gpa)
    {
        Span<byte> bytes = stackalloc byte[4];
        Vm.ReadMemory(gpa, bytes);
        return BitConverter.ToUInt32(bytes);
    }

    private static void Append(StringBuilder sink, byte b)
    {
        lock (sink)
        {
            sink.Append((char)b);
        }
    }

    public void Dispose() => Vm.Dispose();
}
