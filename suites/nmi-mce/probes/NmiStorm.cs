using Rig.Guest;
using Rig.Suites.NmiMce.Records;

/// <summary>
/// nmi-mce.nmi-storm, guest side. vCPU 0 works at CPL3 and logs each NMI in its CPL0 handler (HeldEvents, log only);
/// vCPU 1 sends it about `count=` NMI IPIs in `cycles=` cycles: `pings=` single NMIs, each sent once the previous
/// one was delivered (its latency, send to logged arrival, is a sample), then a burst of NMIs back to back, and every
/// `hold_every=` cycles one NMI whose handler is held `hold_us=` at CPL0 while `hold_burst=` IPIs and a host NMI
/// (COM2 `nmi`) arrive. It prints what each part delivered (`RIG storm`), vCPU 0's progress (`RIG storm-progress`)
/// and the latency samples (`RIG storm-latency`); the host's oracle (Oracles/StormAccounting.cs) judges them.
///
/// No verdict depends on how fast the host runs the two vCPUs: "delivered" is read from the handler's log, and
/// "nothing more is coming" is decided by vCPU 0's own progress (<see cref="Settle"/>), never by a time window,
/// since on a loaded host either vCPU can sit descheduled for hundreds of milliseconds. Only a vCPU 0 that makes no
/// progress at CPL3 for <see cref="StallUs"/> counts as stalled (seed 004 item 8's livelock).
/// </summary>
public static unsafe class Probe
{
    public const string Name = ThisCase.Id;

    private const int Target = Victim.Cpu;

    /// <summary>Guest time without CPL3 progress of vCPU 0 (and, while held, without a log entry) after which it is stalled.</summary>
    private const ulong StallUs = 10_000_000;

    /// <summary>
    /// vCPU 0's own run time at CPL3 (at its undisturbed rate) after which an NMI sent before must have arrived: an
    /// IPI's delivery waits for nothing but the target's next entry, microseconds when it runs, so this is ample.
    /// </summary>
    private const ulong SettleUs = 2_000;

    /// <summary>The held handler's own bound: far beyond any hold, so it never leaves before its release.</summary>
    private const ulong HoldBoundUs = 30_000_000;

    private const int LatenciesPerRecord = 25;

    private static ulong count, cycles, pingsPerCycle, burst, holdEvery, holdBurst, holdUs, boundMs;
    private static ulong settleIterations;
    private static ulong sent, pings, lostPings, bursts, burstSent, burstDelivered, emptyBursts, overBursts;
    private static ulong holds, holdsInconclusive, holdSent, holdAfter, badHolds, firstBadAfter, hostNmis, hostRefused, hostUnanswered;
    private static ulong stalls, delivered;
    private static ulong* latencies;
    private static ulong latencyCapacity, samples;

    public static void Main()
    {
        count = CommandLine.GetNumber("count", 100_000);
        cycles = CommandLine.GetNumber("cycles", 64);
        pingsPerCycle = CommandLine.GetNumber("pings", 4);
        holdEvery = CommandLine.GetNumber("hold_every", 8);
        holdBurst = CommandLine.GetNumber("hold_burst", 16);
        holdUs = CommandLine.GetNumber("hold_us", 20_000);
        boundMs = CommandLine.GetNumber("bound_ms", 120_000);
        burst = count / cycles > pingsPerCycle ? count / cycles - pingsPerCycle : 1;
        latencies = SampleBuffer.Base;
        latencyCapacity = SampleBuffer.CapacityBytes / 8;
        Victim.Run(Name, &Script);
    }

    private static void Script(int cpu)
    {
        HeldEvents.LogOnly(Target, 2);
        ulong baselinePerMs = UndisturbedRatePerMs();
        settleIterations = baselinePerMs * SettleUs / 1000 + 1;
        ulong nestedBefore = HeldEvents.Nested(Target), loggedBefore = HeldEvents.Count(Target);

        ulong progressStart = Victim.Progress, start = Tsc.Now, deadline = Tsc.Deadline(boundMs * 1000);
        for (ulong cycle = 1; sent < count && stalls == 0 && Tsc.Now < deadline; cycle++)
        {
            for (ulong p = 0; p < pingsPerCycle && stalls == 0; p++)
            {
                Ping();
            }
            Burst();
            if (cycle % holdEvery == 0 && stalls == 0)
            {
                LongHandler();
            }
        }
        ulong stormUs = Tsc.Microseconds(Tsc.Now - start) + 1;
        ulong stormProgress = Victim.Progress - progressStart;
        ulong logged = HeldEvents.Count(Target) - loggedBefore;
        HeldEvents.Normal(Target, 2);

        Line storm = default;
        storm.Text("RIG ");
        storm.Text(StormRecord.Kind);
        storm.Field(StormRecord.Count, count);
        storm.Field(StormRecord.Sent, sent);
        storm.Field(StormRecord.Us, stormUs);
        storm.Field(StormRecord.BoundMs, boundMs);
        storm.Field(StormRecord.Delivered, delivered);
        storm.Field(StormRecord.Logged, logged);
        storm.Field(StormRecord.Pings, pings);
        storm.Field(StormRecord.LostPings, lostPings);
        storm.Field(StormRecord.Bursts, bursts);
        storm.Field(StormRecord.BurstSent, burstSent);
        storm.Field(StormRecord.BurstDelivered, burstDelivered);
        storm.Field(StormRecord.EmptyBursts, emptyBursts);
        storm.Field(StormRecord.OverBursts, overBursts);
        storm.Field(StormRecord.Holds, holds);
        storm.Field(StormRecord.HoldsInconclusive, holdsInconclusive);
        storm.Field(StormRecord.HoldSent, holdSent);
        storm.Field(StormRecord.HoldAfter, holdAfter);
        storm.Field(StormRecord.BadHolds, badHolds);
        storm.Field(StormRecord.FirstBadAfter, firstBadAfter);
        storm.Field(StormRecord.Nested, HeldEvents.Nested(Target) - nestedBefore);
        storm.Field(StormRecord.HostNmis, hostNmis);
        storm.Field(StormRecord.HostRefused, hostRefused);
        storm.Field(StormRecord.HostUnanswered, hostUnanswered);
        storm.Field(StormRecord.Stalls, stalls);
        Console.Write(ref storm);

        Line progress = default;
        progress.Text("RIG ");
        progress.Text(StormProgressRecord.Kind);
        progress.Field(StormProgressRecord.BaselinePerMs, baselinePerMs);
        progress.Field(StormProgressRecord.StormPerMs, stormProgress * 1000 / stormUs);
        progress.Field(StormProgressRecord.Iterations, stormProgress);
        progress.Field(StormProgressRecord.SettleIterations, settleIterations);
        Console.Write(ref progress);

        PrintLatencies();
        Victim.Finish();
    }

    /// <summary>
    /// vCPU 0's loop iterations per ms when nothing disturbs it: the best of 1 ms windows (a window in which either vCPU
    /// was descheduled only shows a lower rate).
    /// </summary>
    private static ulong UndisturbedRatePerMs()
    {
        ulong best = 0;
        for (int i = 0; i < 50; i++)
        {
            ulong p0 = Victim.Progress, t0 = Tsc.Now;
            Tsc.Wait(1_000);
            ulong perMs = (Victim.Progress - p0) * 1000 / (Tsc.Microseconds(Tsc.Now - t0) + 1);
            best = perMs > best ? perMs : best;
        }
        return best;
    }

    /// <summary>
    /// One NMI to a vCPU that has nothing pending (the previous NMI was delivered): it must be delivered, exactly once
    /// (SDM Vol. 3A 6.7.1). Its latency, send to the logged arrival, is a sample.
    /// </summary>
    private static void Ping()
    {
        ulong before = HeldEvents.Count(Target);
        ulong t0 = Tsc.Now;
        SendNmi();
        if (!AwaitDelivery(before))
        {
            Lost();
            return;
        }
        pings++;
        delivered++;
        ulong at = HeldEvents.LastDeliveryTsc(Target);
        Sample(at > t0 ? Tsc.Nanoseconds(at - t0) : 0);
    }

    /// <summary>
    /// NMIs back to back to a vCPU that had nothing pending: those that find the handler running or an NMI already
    /// pending collapse into the one the CPU latches, so at least one and never more than were sent are delivered.
    /// </summary>
    private static void Burst()
    {
        ulong before = HeldEvents.Count(Target);
        SendNmi();
        for (ulong i = 1; i < burst; i++)
        {
            RepeatNmi();
        }
        Settle();
        ulong got = HeldEvents.Count(Target) - before;
        bursts++;
        burstSent += burst;
        burstDelivered += got;
        delivered += got;
        emptyBursts += got == 0 ? 1UL : 0UL;
        overBursts += got > burst ? 1UL : 0UL;
    }

    /// <summary>
    /// A handler held `hold_us=` at CPL0 while IPIs and a host NMI arrive: none is delivered inside it (the nested
    /// count), exactly one after its IRET. A round whose handler had already left when everything was sent proves
    /// nothing and is counted as inconclusive.
    /// </summary>
    private static void LongHandler()
    {
        HeldEvents.Hold(Target, 2, HoldBoundUs);
        ulong before = HeldEvents.Count(Target);
        SendNmi();
        if (!AwaitDelivery(before))
        {
            HeldEvents.LogOnly(Target, 2);
            Lost();
            return;
        }
        delivered++;
        for (ulong i = 0; i < holdBurst; i++)
        {
            RepeatNmi();
        }
        Acknowledgement ack = Control.Request(HostAction.Nmi, Control.AnswerBoundUs);
        hostNmis++;
        hostRefused += ack == Acknowledgement.Error ? 1UL : 0UL;
        hostUnanswered += ack == Acknowledgement.Timeout ? 1UL : 0UL;
        Tsc.Wait(holdUs);
        HeldEvents.LogOnly(Target, 2);
        bool inside = HeldEvents.Depth(Target) == 1;
        ulong beforeRelease = HeldEvents.Count(Target);
        HeldEvents.Release(Target);
        if (!AwaitLogged(beforeRelease))
        {
            stalls++;
            return;
        }
        Settle();
        ulong after = HeldEvents.Count(Target) - beforeRelease - 1;
        delivered += after;
        if (!inside)
        {
            holdsInconclusive++;
            return;
        }
        holds++;
        holdSent += holdBurst + 1;
        holdAfter += after;
        if (after != 1 && badHolds++ == 0)
        {
            firstBadAfter = after;
        }
    }

    /// <summary>An NMI that did not arrive: lost unless vCPU 0 stalled (then the storm ends there).</summary>
    private static void Lost()
    {
        if (stalls == 0)
        {
            lostPings++;
            Settle();
        }
    }

    private static void SendNmi()
    {
        LocalApic.SendIpi(Victim.ApicId, LocalApic.DeliveryNmi | LocalApic.LevelAssert);
        sent++;
    }

    /// <summary>
    /// The same NMI IPI again, right after <see cref="SendNmi"/>: in xAPIC mode only the ICR low write, which sends
    /// (ICR high keeps the destination, SDM Vol. 3A 12.6.1), and no wait for the delivery status, which a virtual APIC
    /// reports idle at once; a third of the exits of a full send, so the storm is the target's work, not ours.
    /// </summary>
    private static void RepeatNmi()
    {
        if (LocalApic.IsX2Apic)
        {
            SendNmi();
            return;
        }
        LocalApic.Write(LocalApic.RegIcrLow, LocalApic.DeliveryNmi | LocalApic.LevelAssert);
        sent++;
    }

    /// <summary>
    /// Waits for a log entry beyond <paramref name="logged"/>: false when vCPU 0 ran on at CPL3 for the settle time
    /// without it (the NMI was lost) or stalled.
    /// </summary>
    private static bool AwaitDelivery(ulong logged)
    {
        ulong from = Victim.Progress;
        ulong still = from, stillSince = Tsc.Now;
        while (HeldEvents.Count(Target) <= logged)
        {
            ulong now = Victim.Progress;
            if (now - from >= settleIterations)
            {
                return HeldEvents.Count(Target) > logged;
            }
            if (!Watch(now, ref still, ref stillSince))
            {
                return false;
            }
            Cpu.Pause();
        }
        return true;
    }

    /// <summary>Waits for a log entry beyond <paramref name="logged"/> from a held handler (no CPL3 progress meanwhile); false past <see cref="StallUs"/>.</summary>
    private static bool AwaitLogged(ulong logged)
    {
        ulong deadline = Tsc.Deadline(StallUs);
        while (HeldEvents.Count(Target) <= logged)
        {
            if (Tsc.Now >= deadline)
            {
                return false;
            }
            Cpu.Pause();
        }
        return true;
    }

    /// <summary>
    /// Waits until vCPU 0 has run the settle time at CPL3 with nothing new logged: every NMI sent before has been
    /// delivered or collapsed by then. Counts a stall instead when vCPU 0 makes no progress for <see cref="StallUs"/>.
    /// </summary>
    private static void Settle()
    {
        ulong logged = HeldEvents.Count(Target), from = Victim.Progress;
        ulong still = from, stillSince = Tsc.Now;
        while (true)
        {
            ulong now = Victim.Progress, latest = HeldEvents.Count(Target);
            if (latest != logged)
            {
                logged = latest;
                from = now;
            }
            else if (now - from >= settleIterations)
            {
                return;
            }
            if (!Watch(now, ref still, ref stillSince))
            {
                return;
            }
            Cpu.Pause();
        }
    }

    /// <summary>Tracks vCPU 0's progress; false (and a stall counted) when it has not moved for <see cref="StallUs"/>.</summary>
    private static bool Watch(ulong progress, ref ulong still, ref ulong stillSince)
    {
        if (progress != still)
        {
            still = progress;
            stillSince = Tsc.Now;
            return true;
        }
        if (Tsc.Microseconds(Tsc.Now - stillSince) < StallUs)
        {
            return true;
        }
        stalls++;
        return false;
    }

    private static void Sample(ulong ns)
    {
        if (samples < latencyCapacity)
        {
            latencies[samples++] = ns;
        }
    }

    /// <summary>Every ping's latency (ns), <see cref="LatenciesPerRecord"/> to a record; the host takes the distribution.</summary>
    private static void PrintLatencies()
    {
        for (ulong from = 0; from < samples; from += LatenciesPerRecord)
        {
            Line line = default;
            line.Text("RIG ");
            line.Text(StormLatencyRecord.Kind);
            line.Field(StormLatencyRecord.From, from);
            line.Text(" ");
            line.Text(StormLatencyRecord.Ns);
            line.Text("=");
            for (ulong i = from; i < samples && i < from + LatenciesPerRecord; i++)
            {
                if (i != from)
                {
                    line.Byte((byte)',');
                }
                line.Decimal(latencies[i]);
            }
            Console.Write(ref line);
        }
    }
}
