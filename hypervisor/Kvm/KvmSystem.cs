using System.Runtime.InteropServices;

namespace Rig.Hypervisor.Kvm;

/// <summary>The /dev/kvm system fd: API version, capabilities, supported CPUID, VM creation.</summary>
public sealed unsafe class KvmSystem : IDisposable
{
    private const int MaxCpuidEntries = 256;
    private readonly int _fd;

    public KvmSystem(string device = "/dev/kvm")
    {
        _fd = Libc.Open(device, Libc.ORdWr | Libc.OCloExec);
        if (_fd < 0)
        {
            throw KvmException.FromErrno($"open {device}");
        }

        int version = Libc.Ioctl(_fd, KvmIoctl.GetApiVersion, 0);
        if (version != KvmIoctl.ApiVersion)
        {
            Libc.Close(_fd);
            throw new KvmException($"{device}: KVM API version {version}, expected {KvmIoctl.ApiVersion}");
        }

        VcpuMmapSize = Libc.Ioctl(_fd, KvmIoctl.GetVcpuMmapSize, 0);
        if (VcpuMmapSize <= 0)
        {
            throw KvmException.FromErrno("KVM_GET_VCPU_MMAP_SIZE");
        }
    }

    public int VcpuMmapSize { get; }

    /// <summary>KVM_CHECK_EXTENSION: 0 when absent, else a capability-specific positive value.</summary>
    public int Check(KvmCap cap) => Math.Max(0, Libc.Ioctl(_fd, KvmIoctl.CheckExtension, (nint)cap));

    /// <summary>Fails with a message naming the capability when KVM lacks it.</summary>
    public int Require(KvmCap cap)
    {
        int value = Check(cap);
        return value > 0 ? value : throw new KvmException($"KVM lacks KVM_CAP_{CapName(cap)}, which rig-hv needs");
    }

    public static string CapName(KvmCap cap) =>
        string.Concat(cap.ToString().Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + c : char.ToUpperInvariant(c).ToString()));

    /// <summary>KVM_GET_SUPPORTED_CPUID: the leaves KVM can present to a guest.</summary>
    public CpuidEntry[] GetSupportedCpuid()
    {
        int size = 8 + (MaxCpuidEntries * sizeof(CpuidEntry));
        byte* buffer = (byte*)NativeMemory.AllocZeroed((nuint)size);
        try
        {
            *(uint*)buffer = MaxCpuidEntries;
            if (Libc.Ioctl(_fd, KvmIoctl.GetSupportedCpuid, (nint)buffer) < 0)
            {
                throw KvmException.FromErrno("KVM_GET_SUPPORTED_CPUID");
            }

            return new ReadOnlySpan<CpuidEntry>(buffer + 8, (int)*(uint*)buffer).ToArray();
        }
        finally
        {
            NativeMemory.Free(buffer);
        }
    }

    /// <summary>KVM_X86_GET_MCE_CAP_SUPPORTED: the MCG_CAP bits KVM can emulate.</summary>
    public ulong GetSupportedMceCap()
    {
        ulong cap;
        return Libc.Ioctl(_fd, KvmIoctl.X86GetMceCapSupported, (nint)(&cap)) < 0
            ? throw KvmException.FromErrno("KVM_X86_GET_MCE_CAP_SUPPORTED")
            : cap;
    }

    public KvmVm CreateVm()
    {
        int vmFd = Libc.Ioctl(_fd, KvmIoctl.CreateVm, 0);
        return vmFd < 0 ? throw KvmException.FromErrno("KVM_CREATE_VM") : new KvmVm(this, vmFd);
    }

    public void Dispose() => Libc.Close(_fd);
}

/// <summary>struct kvm_cpuid_entry2.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct CpuidEntry
{
    public uint Function, Index, Flags, Eax, Ebx, Ecx, Edx;
    public fixed uint Padding[3];
}
