using Rig.Guest;
using Rig.Suites.Evtchn.Records;

/// <summary>
/// evtchn.hostile-tail-unmask, guest side, two vCPUs; vCPU 1 is the hostile one. Each round: the host sends `tail`
/// (the tail of vCPU 1's queue), then links `next` behind it while vCPU 1 answers each try of set_link the hypervisor
/// parks (`evtchn-race`) with one write to that word. Allowed rounds: vCPU 1 took `tail`'s PENDING and flips MASKED
/// only by the writes Linux makes (set MASKED; clear it with a compare-exchange expecting BUSY clear, else
/// EVTCHNOP_unmask): `next` must arrive. Hostile rounds: vCPU 1 flips MASKED regardless; the host's send must return
/// (set_link gives up) and vCPU 0's own port, sent during the flips, must arrive. `RIG evround` lines carry each round.
/// </summary>
public static unsafe class Probe
{
    public const string Name = ThisCase.Id;
    private const byte Vector = 0xF3;

    public static void Main()
    {
        ulong rounds = CommandLine.GetNumber("rounds", 3); // at most 7: two queues per round
        LocalApic.Enable();
        if (!XenEvents.Enable(Vector, out string reason))
        {
            Report.Skip(Name, reason);
            return;
        }
        if (!Partner.Start())
        {
            Report.Fail(Name, "vcpu1-did-not-start");
            return;
        }
        for (ulong round = 0; round < rounds; round++)
        {
            // Each round on a queue of its own: a hostile round's lost event stays LINKED and unreachable, and the
            // design says events linked behind it are lost too.
            Round(hostile: false, (uint)(2 * round + 1));
            Round(hostile: true, (uint)(2 * round + 2));
        }
        Backend.Stats();
        Report.Ok(Name);
    }

    private static void Round(bool hostile, uint priority)
    {
        uint tail = Backend.HostPort(Name, 1);
        uint next = Backend.HostPort(Name, 1);
        XenEvents.SetPriority(tail, priority);
        XenEvents.SetPriority(next, priority);
        uint own = Backend.HostPort(Name, 0);
        Partner.Set(Partner.Hold, 0);
        Backend.Send(tail, 1);
        if (!hostile)
        {
            XenEvents.TakePending(tail);
        }
        Partner.Set(hostile ? Partner.FlipHostile : Partner.FlipAllowed, tail);
        if (!Backend.Race(tail, Partner.Mailbox))
        {
            Report.Skip(Name, TailRoundRecord.ForcedLinkRaceRefused);
        }
        ulong ownNs = hostile ? Backend.Send(own, 1) : 0;
        ulong nextNs = Backend.Send(next, 1);
        Backend.Race(0, Partner.Mailbox);
        ulong writes = Partner.Writes;
        Partner.Set(Partner.UnmaskAndDrain, tail);
        XenEvents.Drain();

        Line line = default;
        line.Text("RIG ");
        line.Text(TailRoundRecord.Kind);
        line.TextField(TailRoundRecord.Writes, hostile ? TailRoundRecord.Hostile : TailRoundRecord.Allowed);
        line.Field(TailRoundRecord.NextHandled, XenEvents.Handled(next));
        line.Field(TailRoundRecord.SendNs, nextNs);
        line.Field(TailRoundRecord.TailWrites, writes);
        if (hostile)
        {
            line.Field(TailRoundRecord.OwnHandled, XenEvents.Handled(own));
            line.Field(TailRoundRecord.OwnSendNs, ownNs);
        }
        Report.Emit(ref line);
    }
}
