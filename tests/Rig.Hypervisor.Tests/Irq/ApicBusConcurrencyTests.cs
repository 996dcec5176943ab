using Rig.Hypervisor.Defects;
using Rig.Hypervisor.Irq;
using static Rig.Hypervisor.Tests.Irq.IrqTestMachine;

namespace Rig.Hypervisor.Tests.Irq;

/// <summary>
/// vCPUs IPI each other while taking and ending their own interrupts and a device thread drives a level-triggered
/// IOAPIC pin: the bus holds no lock while calling devices, so this must finish and lose no level-triggered interrupt.
/// </summary>
public sealed class ApicBusConcurrencyTests
{
    [Fact]
    public async Task Cross_IPIs_EOIs_and_IOAPIC_traffic_do_not_deadlock()
    {
        using var m = new IrqTestMachine(cpus: 2);
        m.Lapics.ForEach(SoftwareEnable);
        var ioapic = new IoApic(m.Bus, DefectSet.None, 0);
        ioapic.Write(0x00, 4, 0x10 + (2 * 9));
        ioapic.Write(0x10, 4, 0x8000 | 0x90); // level-triggered, vector 0x90, to APIC 0
        const int rounds = 20_000;

        Task Cpu(int self) => Task.Run(() =>
        {
            var lapic = m.Lapics[self];
            for (int i = 0; i < rounds; i++)
            {
                SendFixed(lapic, (uint)(1 - self), 0x40);
                while (lapic.TryAcknowledge(out _))
                {
                    Write(lapic, Eoi, 0);
                }
            }
        });

        var device = Task.Run(() =>
        {
            for (int i = 0; i < rounds; i++)
            {
                ioapic.SetIrq(9, (i & 1) == 0);
            }
        });

        await Task.WhenAll(Cpu(0), Cpu(1), device).WaitAsync(TimeSpan.FromSeconds(60));

        // The device left the pin low; once APIC 0 ends what it holds, remote IRR must be clear again.
        while (m.Bsp.TryAcknowledge(out _))
        {
            Write(m.Bsp, Eoi, 0);
        }

        Assert.Equal(0UL, ioapic.RedirectionEntry(9) & (1 << 14));
    }
}
