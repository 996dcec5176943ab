using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Rig.Hypervisor.Xen;

/// <summary>
/// Forces seed 003's race by rendezvous, not by timing. While armed on a tail port, every try of set_link that links
/// behind that tail for the host backend, between its read of the tail word and its compare-exchange, announces itself
/// to the guest and parks until one of:
/// the guest wrote the word (it differs from what the try read): the write landed inside the try, as in the seed;
/// the guest's EVTCHNOP_unmask of the tail waits for the queue lock the link holds (draft G: a correct unmask cannot
/// land inside the try, so there is nothing more to wait for);
/// the guest says it stopped writing; or <see cref="Watchdog"/> passed (a guest that died must not hold the VMM).
/// The guest answers each announcement with exactly one write, so each try sees one write and no pair of writes can
/// cancel out unseen: whether set_link gives up depends only on the hypervisor's rules, never on the host's scheduler.
/// The handshake is a mailbox of two 64-bit words in guest RAM that the probe names when it arms the race: word 0
/// counts the tries announced (the hypervisor writes it), word 1 is non-zero once the guest stopped writing.
/// </summary>
public sealed class ForcedLinkRace(IXenGuestMemory memory, IFifoEventMemory words)
{
    /// <summary>Far beyond a loaded host's scheduling delay of the guest's vCPU (tens of ms measured), under QMP's 10 s command bound.</summary>
    public static readonly TimeSpan Watchdog = TimeSpan.FromSeconds(2);

    private const int MailboxBytes = 2 * sizeof(ulong);

    private Armed? _armed;

    public bool IsArmed => Volatile.Read(ref _armed) is not null;

    /// <summary>Arms the race on <paramref name="tail"/>; false when the mailbox is not 8-aligned guest RAM.</summary>
    public bool Arm(uint tail, ulong mailboxGpa)
    {
        if (mailboxGpa % sizeof(ulong) != 0 || memory.Physical(mailboxGpa, MailboxBytes).Length != MailboxBytes)
        {
            return false;
        }

        Volatile.Write(ref _armed, new Armed(tail, mailboxGpa));
        return true;
    }

    public void Disarm() => Volatile.Write(ref _armed, null);

    /// <summary>set_link's window for one try on <paramref name="tail"/>, which read <paramref name="seen"/> from the word.</summary>
    public void Park(uint tail, uint seen)
    {
        if (Volatile.Read(ref _armed) is not { } armed || armed.Tail != tail || !words.HasEventWord(tail))
        {
            return;
        }

        Volatile.Write(ref armed.UnmaskWaiting, 0);
        var mailbox = MemoryMarshal.Cast<byte, ulong>(memory.Physical(armed.Mailbox, MailboxBytes));
        Interlocked.Increment(ref mailbox[0]);
        ref uint word = ref words.EventWord(tail);
        long until = Stopwatch.GetTimestamp() + (long)(Watchdog.TotalSeconds * Stopwatch.Frequency);
        while (Volatile.Read(ref word) == seen && Volatile.Read(ref armed.UnmaskWaiting) == 0 && Volatile.Read(ref mailbox[1]) == 0 &&
               Volatile.Read(ref _armed) == armed && Stopwatch.GetTimestamp() < until)
        {
            Thread.Yield(); // gives the core to the guest vCPU that is to write
        }
    }

    /// <summary>EVTCHNOP_unmask of <paramref name="port"/> is about to wait for the lock of the queue whose tail it is.</summary>
    public void UnmaskWaitsForQueueLock(uint port)
    {
        if (Volatile.Read(ref _armed) is { } armed && armed.Tail == port)
        {
            Volatile.Write(ref armed.UnmaskWaiting, 1);
        }
    }

    private sealed class Armed(uint tail, ulong mailbox)
    {
        public readonly uint Tail = tail;
        public readonly ulong Mailbox = mailbox;
        public int UnmaskWaiting;
    }
}
