using Rig.Guest;

/// <summary>Requests to the host over COM2 (docs/protocol.md) that the time probes share.</summary>
public static unsafe class Host
{
    /// <summary>The runtime's bound for a host answer (Control.AnswerBoundUs: the command line's host-answer-s=).</summary>
    public static ulong Timeout => Control.AnswerBoundUs;

    /// <summary>The host's CLOCK_MONOTONIC_RAW in ns (`host-time`); false when the host did not answer.</summary>
    public static bool Time(out ulong ns)
    {
        ns = 0;
        return Control.Request(HostAction.HostTime, Timeout) == Acknowledgement.Ok && Control.TryGetAckNumber(HostAction.MonoRawNs, out ns);
    }

    /// <summary>Asks for an action; an error ack reports the case skipped for <paramref name="refused"/> and returns false.</summary>
    public static bool Ask(string caseName, string action, string refused) => Ask(caseName, action, refused, Timeout);

    /// <summary>As <see cref="Ask(string, string, string)"/>, for an action the host may take longer than <see cref="Timeout"/> to answer.</summary>
    public static bool Ask(string caseName, string action, string refused, ulong timeoutMicroseconds)
    {
        Acknowledgement ack = Control.Request(action, timeoutMicroseconds);
        if (ack == Acknowledgement.Ok)
        {
            return true;
        }
        if (ack == Acknowledgement.Timeout)
        {
            Report.Fail(caseName, "host-did-not-answer");
        }
        else
        {
            Report.Skip(caseName, refused);
        }
        return false;
    }
}
