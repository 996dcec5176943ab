using Iced.Intel;
using Rig.Hypervisor.Xen;

namespace Rig.Hypervisor.Tests.Xen;

/// <summary>The hypercall page decodes (Iced) to one "mov eax, n; out 0xE8, eax; ret" per 32-byte slot, INT3 elsewhere.</summary>
public sealed class HypercallPageTests
{
    [Fact]
    public void Every_slot_loads_its_number_writes_it_to_the_hypercall_port_and_returns()
    {
        byte[] page = XenHypercallPage.Build();
        Assert.Equal(4096, page.Length);

        for (int number = 0; number < XenHypercallPage.StubCount; number++)
        {
            var decoder = Decoder.Create(64, page.AsSpan(number * 32, 32).ToArray());
            var mov = decoder.Decode();
            var output = decoder.Decode();
            var ret = decoder.Decode();

            Assert.Equal(Code.Mov_r32_imm32, mov.Code);
            Assert.Equal(Register.EAX, mov.Op0Register);
            Assert.Equal((uint)number, mov.Immediate32);
            Assert.Equal(Code.Out_imm8_EAX, output.Code);
            Assert.Equal(XenHypercallPage.Port, output.Immediate8);
            Assert.Equal(Code.Retnq, ret.Code);
            while (decoder.IP < 32)
            {
                Assert.Equal(Code.Int3, decoder.Decode().Code);
            }
        }
    }

    [Fact]
    public void The_stub_leaves_every_argument_register_alone()
    {
        // RDI, RSI, RDX, R10 and R8 carry the arguments; only RAX (the number) may be written before the OUT exits.
        var decoder = Decoder.Create(64, XenHypercallPage.Build().AsSpan(0, 32).ToArray());
        var info = new InstructionInfoFactory();
        for (int i = 0; i < 3; i++)
        {
            var instruction = decoder.Decode();
            var written = info.GetInfo(instruction).GetUsedRegisters()
                .Where(r => r.Access is OpAccess.Write or OpAccess.ReadWrite or OpAccess.CondWrite)
                .Select(r => r.Register.GetFullRegister())
                .Where(r => r != Register.RAX && r != Register.RSP);
            Assert.Empty(written);
        }
    }
}
