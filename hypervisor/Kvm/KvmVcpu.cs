using System.Runtime.InteropServices;
using Tmds.Linux;

namespace Rig.Hypervisor.Kvm;

/// <summary>A KVM vCPU fd and its shared kvm_run page. All calls except <see cref="Nmi"/> must come from the vCPU's own thread while it is not in KVM_RUN.</summary>
public sealed unsafe class KvmVcpu : IDisposable
{
    public const int FpuStateSize = 416;
    public const int EventsSize = 64;
    public const int XsaveSize = 4096;
    public const int LapicStateSize = 1024;

    /// <summary>KVM_MP_STATE_RUNNABLE / KVM_MP_STATE_UNINITIALIZED: with the in-kernel irqchip KVM itself holds an AP until INIT-SIPI.</summary>
    public const uint MpStateRunnable = 0;
    public const uint MpStateUninitialized = 1;

    private const uint EventValidNmiPending = 0x1;
    private const uint EventValidShadow = 0x4;

    private readonly int _fd;
    private readonly int _mmapSize;

    internal KvmVcpu(KvmVm vm, int id, int fd)
    {
        Id = id;
        _fd = fd;
        _mmapSize = vm.System.VcpuMmapSize;
        void* page = LibC.mmap(null, _mmapSize, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, fd, 0);
        if (page == LibC.MAP_FAILED)
        {
            throw KvmException.FromErrno($"mmap of vCPU {id}'s kvm_run");
        }

        RunPage = new KvmRunPage((byte*)page);
    }

    public int Id { get; }

    public KvmRunPage RunPage { get; }

    /// <summary>KVM_RUN. False when interrupted (EINTR: a doorbell signal or immediate_exit); true with an exit to handle.</summary>
    public bool Run()
    {
        if (LibC.ioctl(_fd, KvmIoctl.Run) == 0)
        {
            return true;
        }

        int errno = LibC.errno;
        return errno == LibC.EINTR || errno == LibC.EAGAIN ? false : throw KvmException.FromErrno($"KVM_RUN on vCPU {Id}", errno);
    }

    public KvmRegs GetRegs()
    {
        KvmRegs regs;
        KvmVm.Check(LibC.ioctl(_fd, KvmIoctl.GetRegs, &regs), "KVM_GET_REGS");
        return regs;
    }

    public void SetRegs(in KvmRegs regs)
    {
        fixed (KvmRegs* p = &regs)
        {
            KvmVm.Check(LibC.ioctl(_fd, KvmIoctl.SetRegs, p), "KVM_SET_REGS");
        }
    }

    public KvmSregs GetSregs()
    {
        KvmSregs sregs;
        KvmVm.Check(LibC.ioctl(_fd, KvmIoctl.GetSregs, &sregs), "KVM_GET_SREGS");
        return sregs;
    }

    public void SetSregs(in KvmSregs sregs)
    {
        fixed (KvmSregs* p = &sregs)
        {
            KvmVm.Check(LibC.ioctl(_fd, KvmIoctl.SetSregs, p), "KVM_SET_SREGS");
        }
    }

    /// <summary>struct kvm_fpu as opaque bytes (x87, SSE registers, MXCSR).</summary>
    public byte[] GetFpu() => GetBlob(KvmIoctl.GetFpu, FpuStateSize, "KVM_GET_FPU");

    public void SetFpu(byte[] fpu) => SetBlob(KvmIoctl.SetFpu, fpu, FpuStateSize, "KVM_SET_FPU");

    /// <summary>struct kvm_xsave as opaque bytes (all XSAVE components, AVX included).</summary>
    public byte[] GetXsave() => GetBlob(KvmIoctl.GetXsave, XsaveSize, "KVM_GET_XSAVE");

    public void SetXsave(byte[] xsave) => SetBlob(KvmIoctl.SetXsave, xsave, XsaveSize, "KVM_SET_XSAVE");

    /// <summary>struct kvm_vcpu_events as opaque bytes: pending/injected exception, interrupt, NMI, SIPI, SMI.</summary>
    public byte[] GetEvents() => GetBlob(KvmIoctl.GetVcpuEvents, EventsSize, "KVM_GET_VCPU_EVENTS");

    public void SetEvents(byte[] events) => SetBlob(KvmIoctl.SetVcpuEvents, events, EventsSize, "KVM_SET_VCPU_EVENTS");

    /// <summary>struct kvm_lapic_state (the in-kernel LAPIC's register page) as opaque bytes; only with KVM_CREATE_IRQCHIP.</summary>
    public byte[] GetLapic() => GetBlob(KvmIoctl.GetLapic, LapicStateSize, "KVM_GET_LAPIC");

    public void SetLapic(byte[] lapic) => SetBlob(KvmIoctl.SetLapic, lapic, LapicStateSize, "KVM_SET_LAPIC");

    public uint GetMpState()
    {
        uint state;
        KvmVm.Check(LibC.ioctl(_fd, KvmIoctl.GetMpState, &state), "KVM_GET_MP_STATE");
        return state;
    }

    public void SetMpState(uint state) => KvmVm.Check(LibC.ioctl(_fd, KvmIoctl.SetMpState, &state), "KVM_SET_MP_STATE");

    /// <summary>Drops every pending or injected exception, interrupt and NMI, unmasks NMIs and clears the STI/MOV-SS shadow (RESET/INIT, SDM Vol. 3 9.1).</summary>
    public void ClearEvents()
    {
        var events = new byte[EventsSize];
        BitConverter.TryWriteBytes(events.AsSpan(20), EventValidNmiPending | EventValidShadow);
        SetEvents(events);
    }

    /// <summary>KVM_GET_MSRS for the given indices; an MSR KVM does not know stops the read there (its value stays 0).</summary>
    public ulong[] GetMsrs(IReadOnlyList<uint> indices)
    {
        var values = new ulong[indices.Count];
        ReadMsrs(indices, values);
        return values;
    }

    /// <summary>
    /// KVM_GET_MSRS into <paramref name="values"/>: KVM reads the MSRs in order and stops at the first it refuses
    /// (arch/x86/kvm/x86.c __msr_io), so the result is how many were read, and <c>indices[result]</c>, if any, was refused.
    /// </summary>
    public int ReadMsrs(IReadOnlyList<uint> indices, Span<ulong> values)
    {
        byte* buffer = MsrBuffer(indices, null);
        try
        {
            int read = LibC.ioctl(_fd, KvmIoctl.GetMsrs, buffer);
            KvmVm.Check(read, "KVM_GET_MSRS");
            for (int i = 0; i < read; i++)
            {
                values[i] = *(ulong*)(buffer + 8 + (i * 16) + 8);
            }

            return read;
        }
        finally
        {
            NativeMemory.Free(buffer);
        }
    }

    /// <summary>KVM_SET_MSRS; fails naming the first MSR KVM refused.</summary>
    public void SetMsrs(IReadOnlyList<uint> indices, IReadOnlyList<ulong> values)
    {
        int written = WriteMsrs(indices, values);
        if (written < indices.Count)
        {
            throw new KvmException($"KVM_SET_MSRS refused MSR 0x{indices[written]:x} on vCPU {Id}");
        }
    }

    /// <summary>KVM_SET_MSRS, in order up to the first MSR KVM refuses: returns how many were written (as <see cref="ReadMsrs"/>).</summary>
    public int WriteMsrs(IReadOnlyList<uint> indices, IReadOnlyList<ulong> values)
    {
        byte* buffer = MsrBuffer(indices, values);
        try
        {
            int written = LibC.ioctl(_fd, KvmIoctl.SetMsrs, buffer);
            KvmVm.Check(written, "KVM_SET_MSRS");
            return written;
        }
        finally
        {
            NativeMemory.Free(buffer);
        }
    }

    /// <summary>KVM_INTERRUPT: inject an external interrupt (no in-kernel irqchip); only when kvm_run says ready_for_interrupt_injection.</summary>
    public void Interrupt(byte vector)
    {
        uint irq = vector;
        KvmVm.Check(LibC.ioctl(_fd, KvmIoctl.Interrupt, &irq), "KVM_INTERRUPT");
    }

    /// <summary>KVM_NMI: KVM queues it and delivers it honouring NMI blocking (SDM Vol. 3 6.7.1).</summary>
    public void Nmi() => KvmVm.Check(LibC.ioctl(_fd, KvmIoctl.Nmi), "KVM_NMI");

    public void SetupMce(ulong mcgCap)
    {
        KvmVm.Check(LibC.ioctl(_fd, KvmIoctl.X86SetupMce, &mcgCap), "KVM_X86_SETUP_MCE");
    }

    /// <summary>KVM_X86_SET_MCE: write bank <paramref name="bank"/> and raise #MC as the hardware would (SDM Vol. 3 16.3).</summary>
    public void SetMce(int bank, ulong status, ulong mcgStatus, ulong addr, ulong misc)
    {
        // struct kvm_x86_mce { u64 status, addr, misc, mcg_status; u8 bank; u8 pad1[7]; u64 pad2[3]; }
        ulong* mce = stackalloc ulong[8];
        new Span<ulong>(mce, 8).Clear();
        mce[0] = status;
        mce[1] = addr;
        mce[2] = misc;
        mce[3] = mcgStatus;
        mce[4] = (byte)bank;
        KvmVm.Check(LibC.ioctl(_fd, KvmIoctl.X86SetMce, mce), "KVM_X86_SET_MCE");
    }

    public void SetCpuid(IReadOnlyList<CpuidEntry> entries)
    {
        int size = 8 + (entries.Count * sizeof(CpuidEntry));
        byte* buffer = (byte*)NativeMemory.AllocZeroed((nuint)size);
        try
        {
            *(uint*)buffer = (uint)entries.Count;
            for (int i = 0; i < entries.Count; i++)
            {
                ((CpuidEntry*)(buffer + 8))[i] = entries[i];
            }

            KvmVm.Check(LibC.ioctl(_fd, KvmIoctl.SetCpuid2, buffer), "KVM_SET_CPUID2");
        }
        finally
        {
            NativeMemory.Free(buffer);
        }
    }

    /// <summary>KVM_GET_TSC_KHZ: the guest TSC frequency.</summary>
    public ulong GetTscKhz()
    {
        int khz = LibC.ioctl(_fd, KvmIoctl.GetTscKhz);
        return khz <= 0 ? throw KvmException.FromErrno("KVM_GET_TSC_KHZ") : (ulong)khz;
    }

    private static byte* MsrBuffer(IReadOnlyList<uint> indices, IReadOnlyList<ulong>? values)
    {
        // struct kvm_msrs { u32 nmsrs, pad; struct kvm_msr_entry { u32 index, reserved; u64 data; } entries[]; }
        byte* buffer = (byte*)NativeMemory.AllocZeroed((nuint)(8 + (indices.Count * 16)));
        *(uint*)buffer = (uint)indices.Count;
        for (int i = 0; i < indices.Count; i++)
        {
            *(uint*)(buffer + 8 + (i * 16)) = indices[i];
            *(ulong*)(buffer + 8 + (i * 16) + 8) = values?[i] ?? 0;
        }

        return buffer;
    }

    private byte[] GetBlob(int request, int size, string what)
    {
        var blob = new byte[size];
        fixed (byte* p = blob)
        {
            KvmVm.Check(LibC.ioctl(_fd, request, p), what);
        }

        return blob;
    }

    private void SetBlob(int request, byte[] blob, int size, string what)
    {
        if (blob.Length != size)
        {
            throw new ArgumentException($"{what}: expected {size} bytes, got {blob.Length}");
        }

        fixed (byte* p = blob)
        {
            KvmVm.Check(LibC.ioctl(_fd, request, p), what);
        }
    }

    public void Dispose()
    {
        LibC.munmap(RunPage.Page, _mmapSize);
        LibC.close(_fd);
    }
}
