using System.Buffers.Binary;

namespace Rig.Hypervisor.Xen;

/// <summary>
/// The hypercall page the guest asks for by writing its address to the MSR that CPUID leaf 0x40000x02 EBX names.
/// Xen fills it with one 32-byte stub per hypercall number, stub i at offset 32*i, each "mov eax, i; vmcall; ret"
/// (xen/arch/x86/hvm/vmx/vmx.c vmx_init_hypercall_page), so guests never encode the trap instruction themselves.
/// The hypervisor chooses the instruction, and rig-hv chooses <c>out 0xE8, eax</c> instead of VMCALL: KVM handles
/// VMCALL inside the kernel (kvm_emulate_hypercall answers -KVM_ENOSYS, or -KVM_EPERM at CPL &gt; 0) and never exits
/// to user space unless its own Xen emulation is configured (KVM_XEN_HVM_CONFIG_INTERCEPT_HCALL); on this machine's
/// kvm_pvm a VMCALL at CPL0 did not even return (no exit, no #UD or #GP, the vCPU stuck until the watchdog), while the
/// OUT exited to rig-hv (HypercallTransportTests). At CPL3 kvm_pvm ignores IOPL but honours the TSS I/O bitmap, so a
/// probe calling from CPL3 clears port 0xE8's bit there (or calls through its CPL0 gate with RDI, RSI, RDX, R10, R8 intact).
/// The port is an 8-bit immediate so RDX, the third argument, is left alone; 0xE8 lies in the PC's unassigned
/// 0xE0–0xEF block, clear of QEMU's debugcon (0xE9) and Linux's I/O delay ports (0x80, 0xED). Unused bytes are INT3,
/// as Xen fills its page.
/// </summary>
public static class XenHypercallPage
{
    public const ushort Port = 0xE8;
    public const int PageSize = 4096;
    public const int StubSize = 32;
    public const int StubCount = PageSize / StubSize;

    private const byte MovEaxImm32 = 0xB8;
    private const byte OutImm8Eax = 0xE7;
    private const byte Ret = 0xC3;
    private const byte Int3 = 0xCC;

    public static byte[] Build()
    {
        byte[] page = new byte[PageSize];
        page.AsSpan().Fill(Int3);
        for (int number = 0; number < StubCount; number++)
        {
            Span<byte> stub = page.AsSpan(number * StubSize, StubSize);
            stub[0] = MovEaxImm32;
            BinaryPrimitives.WriteUInt32LittleEndian(stub[1..], (uint)number);
            stub[5] = OutImm8Eax;
            stub[6] = (byte)Port;
            stub[7] = Ret;
        }

        return page;
    }
}
