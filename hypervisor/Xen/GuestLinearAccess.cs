namespace Rig.Hypervisor.Xen;

/// <summary>
/// Copies hypercall arguments between the host and a guest-linear buffer, page by page as Xen's
/// copy_{from,to}_guest does for an HVM guest, so a structure that straddles a page boundary still works.
/// </summary>
public static class GuestLinearAccess
{
    private const ulong PageSize = 4096;

    /// <summary>The bytes at <paramref name="linear"/>, or null when any of them is not mapped (Xen answers -EFAULT).</summary>
    public static byte[]? Read(IXenGuestMemory memory, int vcpu, ulong linear, int length)
    {
        byte[] buffer = new byte[length];
        return Copy(memory, vcpu, linear, buffer, toGuest: false) ? buffer : null;
    }

    /// <summary>
    /// False when any byte is not mapped; like Xen's copy_to_guest, the pages before the unmapped one are written.
    /// </summary>
    public static bool TryWrite(IXenGuestMemory memory, int vcpu, ulong linear, ReadOnlySpan<byte> source) =>
        Copy(memory, vcpu, linear, source.ToArray(), toGuest: true);

    private static bool Copy(IXenGuestMemory memory, int vcpu, ulong linear, byte[] buffer, bool toGuest)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            ulong address = linear + (ulong)done;
            int chunk = (int)Math.Min((ulong)(buffer.Length - done), PageSize - (address % PageSize));
            if (memory.TranslateLinear(vcpu, address) is not ulong gpa)
            {
                return false;
            }

            Span<byte> guest = memory.Physical(gpa, chunk);
            if (guest.Length != chunk)
            {
                return false;
            }

            if (toGuest)
            {
                buffer.AsSpan(done, chunk).CopyTo(guest);
            }
            else
            {
                guest.CopyTo(buffer.AsSpan(done, chunk));
            }

            done += chunk;
        }

        return true;
    }
}
