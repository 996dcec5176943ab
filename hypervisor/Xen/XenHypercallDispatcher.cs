namespace Rig.Hypervisor.Xen;

/// <summary>A hypercall handler: the calling vCPU and its arguments in, the value for RAX out.</summary>
public delegate long XenHypercallHandler(int vcpu, HypercallArguments arguments);

/// <summary>
/// Routes a hypercall by number. Each area of the Xen interface registers the hypercalls it implements (the clock's
/// at construction of <see cref="XenGuestInterface"/>; event channels, later, from the evtchn suite's code), so a number
/// nobody handles is answered -ENOSYS as Xen answers an unknown hypercall.
/// </summary>
public sealed class XenHypercallDispatcher
{
    private readonly Dictionary<uint, XenHypercallHandler> _handlers = [];
    private readonly Lock _sync = new();

    public void Register(uint number, XenHypercallHandler handler)
    {
        lock (_sync)
        {
            if (!_handlers.TryAdd(number, handler))
            {
                throw new InvalidOperationException($"hypercall {number} already has a handler");
            }
        }
    }

    /// <summary>The value to put in the calling vCPU's RAX.</summary>
    public ulong Dispatch(int vcpu, uint number, HypercallArguments arguments)
    {
        XenHypercallHandler? handler;
        lock (_sync)
        {
            _handlers.TryGetValue(number, out handler);
        }

        return (ulong)(handler is null ? XenErrno.Enosys : handler(vcpu, arguments));
    }
}
