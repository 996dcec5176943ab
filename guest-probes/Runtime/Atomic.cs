namespace Rig.Guest;

/// <summary>LOCK-prefixed operations (SDM 9.1.2.2): the core library has no Interlocked.</summary>
public static unsafe class Atomic
{
    public static ulong Load(ulong* location) => Native.Load64(location);

    public static ulong CompareExchange(ulong* location, ulong expected, ulong desired) =>
        Native.CompareExchange64(location, expected, desired);

    /// <summary>Returns the value before the addition.</summary>
    public static ulong FetchAdd(ulong* location, ulong addend) => Native.FetchAdd64(location, addend);

    /// <summary>XCHG with memory is implicitly locked and orders like a full fence.</summary>
    public static ulong Exchange(ulong* location, ulong value) => Native.Exchange64(location, value);
}
