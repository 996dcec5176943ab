namespace Rig.Hypervisor.Kvm;

/// <summary>A KVM call failed, or KVM lacks something the VMM needs; the message names the ioctl or capability.</summary>
public sealed class KvmException(string message) : Exception(message)
{
    public static KvmException FromErrno(string what) =>
        new($"{what} failed: {Libc.Describe(Libc.LastError)} (errno {Libc.LastError})");
}
