using Rig.Protocol;
using Rig.Suites.Evtchn.Records;

namespace Rig.Suites.Evtchn.Oracles;

/// <summary>
/// evtchn.fifo-abi: what each `RIG evcheck` of probes/FifoAbi.cs must read, with the rule it comes from
/// (xen/include/public/event_channel.h, xen.h, errno.h; the FIFO design; Xen's common/event_channel.c for which
/// errno a refusal gets).
/// </summary>
public static class FifoAbiRules
{
    private const long Enoent = -2;
    private const long Einval = -22;

    public static IReadOnlyList<(string Check, long Expected, string Rule)> Rules { get; } =
    [
        ("init-control-no-vcpu", Enoent, "EVTCHNOP_init_control names a vCPU that does not exist: -ENOENT"),
        ("init-control-misaligned", Einval, "EVTCHNOP_init_control: the control block's offset must be 8-byte aligned: -EINVAL"),
        ("init-control-again", Einval, "EVTCHNOP_init_control for a vCPU that already has a control block: -EINVAL"),
        ("bind-virq-beyond-nr-virqs", Einval, "EVTCHNOP_bind_virq of a VIRQ at or beyond NR_VIRQS (24, xen.h): -EINVAL"),
        ("bind-ipi-no-vcpu", Enoent, "EVTCHNOP_bind_ipi to a vCPU that does not exist: -ENOENT"),
        ("close-never-bound", Einval, "EVTCHNOP_close of a port that is not valid: -EINVAL"),
        ("send-never-bound", Einval, "EVTCHNOP_send on a port that is not valid: -EINVAL"),
        ("unmask-never-bound", Einval, "EVTCHNOP_unmask of a port that is not valid: -EINVAL"),
        ("set-priority-below-min", Einval, "EVTCHNOP_set_priority beyond EVTCHN_FIFO_PRIORITY_MIN (15): -EINVAL"),
        ("set-priority", 0, "EVTCHNOP_set_priority 0 (EVTCHN_FIFO_PRIORITY_MAX) on a bound port succeeds"),
        ("status-ipi", 5, "EVTCHNOP_status of an IPI port: EVTCHNSTAT_ipi (5)"),
        ("higher-priority-first", 1, "FIFO design: queues are served highest priority (lowest number) first, so the priority-0 event is consumed before the earlier default-priority one"),
        ("upcall-on-vector", 1, "HVM_PARAM_CALLBACK_IRQ with the vector type: an event on an empty queue interrupts the vCPU on that vector"),
        ("masked-stays-pending", 1, "FIFO design: a masked event is set PENDING but not linked, so it is not delivered"),
        ("unmask-delivers", 1, "FIFO design: unmasking a pending event (EVTCHNOP_unmask) links it and it is delivered once"),
        ("close", 0, "EVTCHNOP_close of a bound port succeeds"),
        ("send-after-close", Einval, "EVTCHNOP_send on a closed port: -EINVAL"),
        ("status-closed", 0, "EVTCHNOP_status of a closed port: EVTCHNSTAT_closed (0)"),
        ("status-interdomain", 2, "EVTCHNOP_status of a port the other domain bound: EVTCHNSTAT_interdomain (2)"),
        ("host-burst-coalesces", 1, "FIFO design: sends to a port already PENDING coalesce: three sends before the guest looks deliver one event"),
    ];

    /// <summary>The checks that need the other domain's end, which the rig plays only on rig-hv (x-rig-evtchn-bind, -send).</summary>
    public static IReadOnlyList<string> Interdomain { get; } = ["status-interdomain", "host-burst-coalesces"];

    /// <summary>The rules a target is judged by: all of them where the rig plays the other domain, the rest elsewhere.</summary>
    public static IReadOnlyList<(string Check, long Expected, string Rule)> For(bool otherDomain) =>
        otherDomain ? Rules : [.. Rules.Where(r => !Interdomain.Contains(r.Check))];

    /// <summary>One problem per rule whose check is missing or reads otherwise.</summary>
    public static IReadOnlyList<string> Check(IEnumerable<Record> records, IReadOnlyList<(string Check, long Expected, string Rule)> rules)
    {
        var got = records.Where(r => r.Kind == AbiCheckRecord.Kind && r[AbiCheckRecord.Check] is not null)
            .GroupBy(r => r[AbiCheckRecord.Check]!).ToDictionary(g => g.Key, g => g.Last().GetInt64(AbiCheckRecord.Got));
        var problems = new List<string>();
        foreach (var (check, expected, rule) in rules)
        {
            if (!got.TryGetValue(check, out long value))
            {
                problems.Add($"{check}: the probe did not report it ({rule})");
            }
            else if (value != expected)
            {
                problems.Add($"{check}: got {value}, the ABI says {expected} ({rule})");
            }
        }

        return problems;
    }
}
