namespace Rig.Hypervisor.Devices;

/// <summary>Logs the first access to each address nothing backs; a guest hammering one address logs once, and the set is bounded so a guest sweeping addresses cannot exhaust memory.</summary>
public sealed class UnbackedAccessLog(string space, Action<string> log)
{
    private const int MaxRemembered = 4096;
    private readonly HashSet<ulong> _seen = [];
    private readonly Lock _lock = new();

    public void Note(ulong address, string access)
    {
        lock (_lock)
        {
            if (_seen.Count > MaxRemembered || !_seen.Add(address))
            {
                return;
            }

            log(_seen.Count > MaxRemembered
                ? $"unbacked {space} accesses: more than {MaxRemembered} addresses, no longer logging them"
                : $"unbacked {space} {access} at 0x{address:x} (reads return all-ones; logged once per address)");
        }
    }
}
