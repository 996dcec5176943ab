using System.Runtime.InteropServices;
using Tmds.Linux;

namespace Rig.Hypervisor.Kvm;

/// <summary>A KVM call failed, or KVM lacks something the VMM needs; the message names the ioctl or capability.</summary>
public sealed class KvmException(string message) : Exception(message)
{
    /// <summary>For a call that returned -1 with errno captured (Tmds.LibC's <c>SetLastError</c> imports, <see cref="LibcGaps"/>).</summary>
    public static KvmException FromErrno(string what) => FromErrno(what, LibC.errno);

    public static KvmException FromErrno(string what, int errno) =>
        new($"{what} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
}
