using System.Runtime.InteropServices;
using Tmds.Linux;

namespace Rig.Hypervisor.Kvm;

/// <summary>The /dev/kvm system fd: API version, capabilities, supported CPUID, VM creation.</summary>
public sealed unsafe class KvmSystem : IDisposable
{
    private const int MaxCpuidEntries = 256;
    private readonly int _fd;

    public KvmSystem(string device = "/dev/kvm")
    {
        _fd = LibcGaps.Open(device, LibC.O_RDWR | LibC.O_CLOEXEC);
        if (_fd < 0)
        {
            throw KvmException.FromErrno($"open {device}");
        }

        int version = LibC.ioctl(_fd, KvmIoctl.GetApiVersion);
        if (version != KvmIoctl.ApiVersion)
        {
            LibC.close(_fd);
            throw new KvmException($"{device}: KVM API version {version}, expected {KvmIoctl.ApiVersion}");
        }

        VcpuMmapSize = LibC.ioctl(_fd, KvmIoctl.GetVcpuMmapSize);
        if (VcpuMmapSize <= 0)
        {
            throw KvmException.FromErrno("KVM_GET_VCPU_MMAP_SIZE");
        }
    }

    public int VcpuMmapSize { get; }

    /// <summary>KVM_CHECK_EXTENSION: 0 when absent, else a capability-specific positive value.</summary>
    public int Check(KvmCap cap) => Math.Max(0, LibC.ioctl(_fd, KvmIoctl.CheckExtension, (int)cap));

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
            if (LibC.ioctl(_fd, KvmIoctl.GetSupportedCpuid, buffer) < 0)
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
        return LibC.ioctl(_fd, KvmIoctl.X86GetMceCapSupported, &cap) < 0
            ? throw KvmException.FromErrno("KVM_X86_GET_MCE_CAP_SUPPORTED")
            : cap;
    }

    public KvmVm CreateVm()
    {
        int vmFd = LibC.ioctl(_fd, KvmIoctl.CreateVm);
        return vmFd < 0 ? throw KvmException.FromErrno("KVM_CREATE_VM") : new KvmVm(this, vmFd);
    }

    public void Dispose() => LibC.close(_fd);
}

/// <summary>struct kvm_cpuid_entry2.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct CpuidEntry
{
    public uint Function, Index, Flags, Eax, Ebx, Ecx, Edx;
    public fixed uint Padding[3];
}
