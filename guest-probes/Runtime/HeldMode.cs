namespace Rig.Guest;

/// <summary>What the CPL0 entry does with an NMI or #MC (StubGen/HeldEventCode.cs); compiled into both sides.</summary>
internal enum HeldMode : byte
{
    /// <summary>The runtime's usual path: handed to C# at CPL3 after an IRETQ.</summary>
    Normal = 0,

    /// <summary>Logged, then held at CPL0 inside the handler (no IRET) until released or the time bound passes.</summary>
    Hold = 1,

    /// <summary>Logged, then returned from at once with IRET.</summary>
    LogOnly = 2,
}

/// <summary>The kinds of entries of the CPL0 held-event log (StubGen/HeldEventCode.cs).</summary>
internal enum HeldLogWhat : byte
{
    Deliver = 1,
    Iret = 2,

    /// <summary>The held handler is about to take the fault another vCPU asked for (its vector in the entry).</summary>
    Fault = 3,
}
