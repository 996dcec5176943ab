using System.Runtime.InteropServices;

using Tmds.Linux;

namespace Rig.Hypervisor.Kvm;

/// <summary>A KVM VM fd: memory slots, vCPU creation, VM-wide capabilities, MSR filter, kvmclock.</summary>
public sealed unsafe class KvmVm : IDisposable
{
    private readonly int _fd;

    internal KvmVm(KvmSystem system, int fd)
    {
        System = system;
        _fd = fd;
    }

    public KvmSystem System { get; }

    public void SetMemory(int slot, ulong guestPhysical, GuestMemory memory)
    {
        // struct kvm_userspace_memory_region { u32 slot, flags; u64 guest_phys_addr, memory_size, userspace_addr; }
        ulong* region = stackalloc ulong[4];
        region[0] = (uint)slot;
        region[1] = guestPhysical;
        region[2] = memory.Size;
        region[3] = (ulong)memory.Host;
        Check(LibC.ioctl(_fd, KvmIoctl.SetUserMemoryRegion, region), "KVM_SET_USER_MEMORY_REGION");
    }

    public KvmVcpu CreateVcpu(int id)
    {
        int fd = LibC.ioctl(_fd, KvmIoctl.CreateVcpu, id);
        return fd < 0 ? throw KvmException.FromErrno($"KVM_CREATE_VCPU {id}") : new KvmVcpu(this, id, fd);
    }

    /// <summary>KVM_CREATE_IRQCHIP: KVM's own PIC, IOAPIC and LAPICs (the second configuration, --irqchip kernel).</summary>
    public void CreateIrqchip()
    {
        System.Require(KvmCap.Irqchip);
        Check(LibC.ioctl(_fd, KvmIoctl.CreateIrqchip), "KVM_CREATE_IRQCHIP");
    }

    /// <summary>KVM_IRQ_LINE on the in-kernel irqchip: raise or lower a GSI.</summary>
    public void SetIrqLine(uint gsi, bool level)
    {
        uint* line = stackalloc uint[2];
        line[0] = gsi;
        line[1] = level ? 1u : 0u;
        Check(LibC.ioctl(_fd, KvmIoctl.IrqLine, line), "KVM_IRQ_LINE");
    }

    /// <summary>KVM_SET_TSS_ADDR: three pages KVM reserves on Intel for real-mode emulation; must not overlap RAM we use.</summary>
    public void SetTssAddress(uint address)
    {
        System.Require(KvmCap.SetTssAddr);
        Check(LibC.ioctl(_fd, KvmIoctl.SetTssAddr, (void*)address), "KVM_SET_TSS_ADDR");
    }

    /// <summary>KVM_ENABLE_CAP on the VM.</summary>
    public void EnableCap(KvmCap cap, ulong arg0)
    {
        System.Require(cap);
        // struct kvm_enable_cap { u32 cap, flags; u64 args[4]; u8 pad[64]; }
        byte* buffer = stackalloc byte[104];
        new Span<byte>(buffer, 104).Clear();
        *(uint*)buffer = (uint)cap;
        *(ulong*)(buffer + 8) = arg0;
        Check(LibC.ioctl(_fd, KvmIoctl.EnableCap, buffer), $"KVM_ENABLE_CAP KVM_CAP_{KvmSystem.CapName(cap)}");
    }

    /// <summary>
    /// KVM_X86_SET_MSR_FILTER: every listed MSR range is denied to KVM, so with KVM_CAP_X86_USER_SPACE_MSR
    /// (reason FILTER) guest RDMSR/WRMSR of it exits to user space. Everything else stays with KVM.
    /// </summary>
    public void DenyMsrsToKernel(IReadOnlyList<(uint First, uint Count)> ranges)
    {
        const int MaxRanges = 16;
        if (ranges.Count > MaxRanges)
        {
            throw new ArgumentException($"at most {MaxRanges} MSR filter ranges");
        }

        // struct kvm_msr_filter { u32 flags; struct kvm_msr_filter_range ranges[16] { u32 flags, nmsrs, base; u8 *bitmap; } }
        // A clear bitmap bit denies; the bitmaps stay all-zero.
        int bitmapBytes = ranges.Sum(r => (int)((r.Count + 7) / 8));
        byte* bitmaps = (byte*)NativeMemory.AllocZeroed((nuint)Math.Max(1, bitmapBytes));
        byte* filter = stackalloc byte[392];
        new Span<byte>(filter, 392).Clear();
        try
        {
            byte* nextBitmap = bitmaps;
            for (int i = 0; i < ranges.Count; i++)
            {
                byte* range = filter + 8 + (i * 24);
                *(uint*)range = 3; // KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE
                *(uint*)(range + 4) = ranges[i].Count;
                *(uint*)(range + 8) = ranges[i].First;
                *(byte**)(range + 16) = nextBitmap;
                nextBitmap += (ranges[i].Count + 7) / 8;
            }

            Check(LibC.ioctl(_fd, KvmIoctl.X86SetMsrFilter, filter), "KVM_X86_SET_MSR_FILTER");
        }
        finally
        {
            NativeMemory.Free(bitmaps);
        }
    }

    /// <summary>KVM_GET_CLOCK: the kvmclock base (ns) all vCPUs' pvclock pages derive from.</summary>
    public ulong GetClock()
    {
        // struct kvm_clock_data { u64 clock; u32 flags; u32 pad0; u64 realtime; u64 host_tsc; u32 pad[4]; }
        ulong* data = stackalloc ulong[6];
        new Span<ulong>(data, 6).Clear();
        Check(LibC.ioctl(_fd, KvmIoctl.GetClock, data), "KVM_GET_CLOCK");
        return data[0];
    }

    public void SetClock(ulong clockNs)
    {
        ulong* data = stackalloc ulong[6];
        new Span<ulong>(data, 6).Clear();
        data[0] = clockNs;
        Check(LibC.ioctl(_fd, KvmIoctl.SetClock, data), "KVM_SET_CLOCK");
    }

    internal static void Check(int result, string what)
    {
        if (result < 0)
        {
            throw KvmException.FromErrno(what);
        }
    }

    public void Dispose() => LibC.close(_fd);
}
