namespace Rig.Fuzz;

/// <summary>How one fuzzing epoch's VM ended. Only <see cref="Crash"/> and <see cref="Hang"/> are the hypervisor's failures; <see cref="Violation"/> names the third kind of finding.</summary>
public enum FuzzOutcome
{
    /// <summary>The host ended the epoch on time and the VMM quit when told.</summary>
    Stopped,

    /// <summary>The probe finished its <c>inputs=</c> and exited through the debug-exit port with status 0.</summary>
    ProbeDone,

    /// <summary>The probe itself failed (an exception it could not survive): the guest's error, reported with its address.</summary>
    GuestError,

    /// <summary>The guest shut the machine down (a triple fault, SCHEDOP_shutdown): an outcome a guest may choose.</summary>
    GuestShutdown,

    /// <summary>The VMM died or reported an internal error: an unhandled exception, a signal, an exit it did not expect.</summary>
    Crash,

    /// <summary>The VMM stopped answering: a QMP reply later than its bound, a quit not obeyed, the watchdog.</summary>
    Hang,

    /// <summary>
    /// Not an ending but a finding's kind: the VMM answered the guest wrongly (a pointer or frame outside RAM accepted, an
    /// event-channel command's documented error not given) or changed the guest's canary (<see cref="FuzzViolation"/>).
    /// </summary>
    Violation,
}
