using System.Runtime.InteropServices;
using Rig.Hypervisor.Defects;
using Rig.Hypervisor.Xen;

namespace Rig.Hypervisor.Tests.Xen;

/// <summary>
/// The forced race of seed 003 with a real second thread as the guest's vCPU, answering each try of set_link the
/// hypervisor announces with one write as the evtchn probes' vCPU 1 does: the outcome is the same on every repetition,
/// set by the hypervisor's rules alone.
/// </summary>
public sealed class ForcedLinkRaceTests
{
    private const ulong MailboxGpa = 64;
    private const uint Tail = 3;
    private const uint Next = 4;
    private const int Repetitions = 20;

    public enum Writes
    {
        /// <summary>Mask, or EVTCHNOP_unmask.</summary>
        ByHypercall,

        /// <summary>Mask, or Linux's evtchn_fifo_unmask: a compare-exchange expecting BUSY clear, else EVTCHNOP_unmask.</summary>
        AsLinux,

        /// <summary>Flip MASKED whatever the word says, <see cref="HostileWrites"/> times.</summary>
        Hostile,
    }

    private const int HostileWrites = 12;

    [Theory]
    [InlineData("", Writes.ByHypercall, 0)]
    [InlineData("", Writes.AsLinux, 0)]
    [InlineData(DefectCatalog.UnmaskWithoutQueueLock, Writes.ByHypercall, 1)]
    [InlineData(DefectCatalog.UnmaskWithoutQueueLock, Writes.AsLinux, 1)]
    [InlineData(DefectCatalog.TailUnmaskAllowed, Writes.ByHypercall, 0)]
    [InlineData(DefectCatalog.TailUnmaskAllowed, Writes.AsLinux, 1)]
    [InlineData("", Writes.Hostile, 1)]
    public void EveryRepetitionLosesExactlyWhatTheRulesSay(string defect, Writes writes, long lost)
    {
        for (int i = 0; i < Repetitions; i++)
        {
            Assert.Equal(lost, Play(defect, writes).Lost);
        }
    }

    [Fact]
    public void AnUnboundedSetLinkRetriesForEveryHostileWrite()
    {
        var stats = Play(DefectCatalog.UnboundedSetLink, Writes.Hostile);
        Assert.Equal(HostileWrites, stats.MostSetLinkRetries);
        Assert.Equal(0, stats.Lost);
    }

    [Fact]
    public void UnarmedOrOnAnotherTailTheLinkDoesNotWait()
    {
        var (race, queues, _) = Build("");
        race.Park(Tail, 0);
        Assert.True(race.Arm(Tail + 1, MailboxGpa));
        queues.Raise(Next, race.Park);
        Assert.Equal(0UL, Mailbox(_ram)[0]);
        Assert.Equal(Next, FifoEventWord.Link(_words.EventWord(Tail)));
    }

    [Fact]
    public void AMailboxOutsideRamIsRefused()
    {
        var (race, _, _) = Build("");
        Assert.False(race.Arm(Tail, (ulong)_ram.Ram.Length));
        Assert.False(race.Arm(Tail, MailboxGpa + 4));
        Assert.False(race.IsArmed);
    }

    private readonly FakeGuestMemory _ram = new(4096);
    private readonly FakeFifoMemory _words = new(16, vcpus: 1);

    private EventChannelStats Play(string defect, Writes writes)
    {
        var (race, queues, guest) = Build(defect);
        if (writes == Writes.AsLinux)
        {
            // As the hostile case's allowed rounds: the guest took the tail's event, so it may clear MASKED itself.
            guest.TakePending(Tail);
        }

        Assert.True(race.Arm(Tail, MailboxGpa));
        using var done = new ManualResetEventSlim();
        var vcpu = new Thread(() => Answer(queues, guest, writes, done)) { IsBackground = true };
        vcpu.Start();
        queues.Raise(Next, race.Park);
        race.Disarm();
        done.Set();
        Assert.True(vcpu.Join(TimeSpan.FromSeconds(10)));
        return queues.Stats;
    }

    /// <summary>Port 3 pending and linked as the tail of the default queue (the probes' vCPU 1 holds its queue), port 4 routed behind it.</summary>
    private (ForcedLinkRace Race, FifoEventQueues Queues, FifoGuestModel Guest) Build(string defect)
    {
        Array.Clear(_ram.Ram);
        var defects = new DefectSet();
        if (defect.Length > 0)
        {
            defects.Enable(defect);
        }

        var race = new ForcedLinkRace(_ram, _words);
        var queues = new FifoEventQueues(_words, 1, defects, _ => { }, race.UnmaskWaitsForQueueLock);
        for (uint port = 0; port < 16; port++)
        {
            _words.EventWord(port) = 0;
        }

        _words.Ready(0) = 0;
        queues.SetRoute(Tail, 0, FifoEventWord.PriorityDefault);
        queues.SetRoute(Next, 0, FifoEventWord.PriorityDefault);
        queues.Raise(Tail);
        return (race, queues, new FifoGuestModel(_words, queues));
    }

    /// <summary>The guest's vCPU: one write per announced try, until the send is over.</summary>
    private void Answer(FifoEventQueues queues, FifoGuestModel guest, Writes writes, ManualResetEventSlim done)
    {
        ulong answered = 0;
        int made = 0;
        while (!done.IsSet)
        {
            ulong announced = Volatile.Read(ref Mailbox(_ram)[0]);
            if (announced <= answered || Volatile.Read(ref Mailbox(_ram)[1]) != 0)
            {
                Thread.Yield();
                continue;
            }

            answered = announced;
            ref uint word = ref _words.EventWord(Tail);
            if (writes == Writes.Hostile)
            {
                FifoEventQueuesTests.Toggle(ref word, FifoEventWord.Masked);
                if (++made == HostileWrites)
                {
                    Volatile.Write(ref Mailbox(_ram)[1], 1UL);
                }
            }
            else if ((Volatile.Read(ref word) & FifoEventWord.Masked) == 0)
            {
                guest.Mask(Tail);
            }
            else if (writes == Writes.ByHypercall)
            {
                queues.Unmask(Tail);
            }
            else
            {
                guest.Unmask(Tail);
            }
        }
    }

    private static Span<ulong> Mailbox(FakeGuestMemory ram) => MemoryMarshal.Cast<byte, ulong>(ram.At(MailboxGpa, 16));
}
