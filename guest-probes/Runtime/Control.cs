namespace Rig.Guest;

public enum Acknowledgement
{
    Ok,
    Error,
    Timeout,
}

/// <summary>
/// COM2 (0x2F8), the control channel (docs/protocol.md): `RIG-REQ seq action` out, wait for `RIG-ACK seq ok|err`
/// with a TSC timeout. Acks for other sequence numbers are skipped. The last ack's text is kept so the
/// probe can read its fields (e.g. host_us=). Without a UART the requests and acks share Xen's PV console with COM1's
/// lines (<see cref="XenConsole"/>); the rig tells them apart by their RIG-REQ prefix.
/// </summary>
public static unsafe class Control
{
    public const ushort Com2 = 0x2F8;

    /// <summary>
    /// How long a probe waits for the host's answer when the answer's timing is not what it checks: the command line's
    /// `host-answer-s=` (docs/protocol.md), else 30 s. At a load average of 70-100 on 2 cores one round trip through the
    /// VMM's UART and the rig took over 2 s (smoke's host-time) and over 5 s (nmi-mce.mce-banks' machine-check
    /// injection); on Xen under TCG an xl pause and unpause through dom0 took 30.3 s, past the 30 s this was, so the
    /// Xen targets pass a bound of their own. The wait is a TSC deadline, and the TSC runs on while the host works.
    /// </summary>
    public static ulong AnswerBoundUs => CommandLine.GetNumber(HostAction.AnswerBoundSeconds, DefaultAnswerBoundS) * 1_000_000;

    private const ulong DefaultAnswerBoundS = 30;
    private const int AckCapacity = 200;

    private static ulong sequence;
    private static byte* lastAck;
    private static int ackLength;

    /// <summary>Sends the request (<paramref name="action"/> may carry `key=value` fields) and waits for its acknowledgement.</summary>
    public static Acknowledgement Request(string action, ulong timeoutMicroseconds)
    {
        Line line = default;
        line.Text(action);
        return Request(ref line, timeoutMicroseconds);
    }

    /// <summary>As <see cref="Request(string, ulong)"/>, for an action with computed fields (e.g. a port number).</summary>
    public static Acknowledgement Request(ref Line action, ulong timeoutMicroseconds)
    {
        ulong seq = Post(ref action);
        ulong deadline = Tsc.Deadline(timeoutMicroseconds);
        while (Tsc.Now < deadline)
        {
            Acknowledgement ack = Poll(seq);
            if (ack != Acknowledgement.Timeout)
            {
                return ack;
            }
            Cpu.Pause();
        }
        return Acknowledgement.Timeout;
    }

    /// <summary>
    /// Sends the request and returns at once with its sequence number, for a probe that keeps working until the host
    /// answers (<see cref="Poll"/>): the host may hold the ack until something happened on its side.
    /// </summary>
    public static ulong Post(ref Line action)
    {
        if (lastAck == null)
        {
            lastAck = (byte*)Heap.Allocate(AckCapacity + 1);
        }
        ulong seq;
        fixed (ulong* s = &sequence)
        {
            seq = Atomic.FetchAdd(s, 1) + 1;
        }
        Line request = default;
        request.Text("RIG-REQ ");
        request.Decimal(seq);
        request.Byte((byte)' ');
        byte* storage = stackalloc byte[Line.Capacity];
        byte* actionBytes = action.Finish(storage, out int actionCount);
        for (int i = 0; i < actionCount - 1; i++)
        {
            request.Byte(actionBytes[i]);
        }
        byte* bytes = request.Finish(storage, out int count);
        if (XenConsole.Active)
        {
            Console.WriteBytes(bytes, count);
        }
        else
        {
            Ports.OutString8(Com2, bytes, count);
        }
        return seq;
    }

    /// <summary>
    /// Reads what the host has sent so far, without waiting: the ack of <paramref name="seq"/> if it came, else
    /// <see cref="Acknowledgement.Timeout"/> (not yet). A line split across polls is kept until its end arrives.
    /// </summary>
    public static Acknowledgement Poll(ulong seq)
    {
        int next;
        while ((next = ReadByte()) >= 0)
        {
            byte c = (byte)next;
            if (c != '\n')
            {
                if (ackLength < AckCapacity)
                {
                    lastAck[ackLength++] = c;
                }
                continue;
            }
            lastAck[ackLength] = 0;
            ackLength = 0;
            if (IsAckFor(seq, out bool ok))
            {
                return ok ? Acknowledgement.Ok : Acknowledgement.Error;
            }
        }
        return Acknowledgement.Timeout;
    }

    /// <summary>The next byte from the host, -1 when none is waiting (LSR bit 0: data ready).</summary>
    private static int ReadByte()
    {
        if (XenConsole.Active)
        {
            return XenConsole.ReadByte();
        }
        return (Ports.In8(Com2 + 5) & 1) == 0 ? -1 : Ports.In8(Com2);
    }

    /// <summary>A numeric `key=value` field of the last acknowledgement.</summary>
    public static bool TryGetAckNumber(string key, out ulong value)
    {
        value = 0;
        if (lastAck == null)
        {
            return false;
        }
        for (int i = 0; lastAck[i] != 0; i++)
        {
            if (i > 0 && lastAck[i - 1] != ' ')
            {
                continue;
            }
            int k = 0;
            while (k < key.Length && lastAck[i + k] == key[k])
            {
                k++;
            }
            if (k == key.Length && lastAck[i + k] == '=')
            {
                byte* v = lastAck + i + k + 1;
                int digits = 0;
                for (; v[digits] >= '0' && v[digits] <= '9'; digits++)
                {
                    value = value * 10 + (ulong)(v[digits] - '0');
                }
                return digits > 0;
            }
        }
        return false;
    }

    private static bool IsAckFor(ulong seq, out bool ok)
    {
        ok = false;
        string prefix = "RIG-ACK ";
        int i = 0;
        for (; i < prefix.Length; i++)
        {
            if (lastAck[i] != prefix[i])
            {
                return false;
            }
        }
        ulong n = 0;
        int digits = 0;
        for (; lastAck[i] >= '0' && lastAck[i] <= '9'; i++, digits++)
        {
            n = n * 10 + (ulong)(lastAck[i] - '0');
        }
        if (digits == 0 || n != seq || lastAck[i] != ' ')
        {
            return false;
        }
        ok = lastAck[i + 1] == 'o' && lastAck[i + 2] == 'k';
        return true;
    }
}
