using Rig.Protocol;
using Rig.Suites.NmiMce.Oracles;
using Record = Rig.Protocol.Record;

namespace Rig.Suites.Tests.NmiMce;

public class MceBankRulesTests
{
    private static Record R(string line) => RecordParser.TryParse(line) ?? throw new FormatException(line);

    private static List<Record> Clean() =>
    [
        R("RIG mcg cap=0x903 banks=3"),
        R("RIG mce-ctl bank=0 write_zero_ok=1 read_zero=0x0 write_ones_ok=1 read_ones=0xffffffffffffffff"),
        R("RIG mce-ctl bank=1 write_zero_ok=1 read_zero=0x0 write_ones_ok=1 read_ones=0xffffffffffffffff"),
        R("RIG mce-ctl bank=2 write_zero_ok=1 read_zero=0x0 write_ones_ok=1 read_ones=0xffffffffffffffff"),
        R("RIG mce-beyond bank=3 gp=1 value=0x0"),
        R("RIG mce-bank bank=2 ack=0 sent_status=0x8c00000000000090 sent_addr=0x12345000 sent_misc=0x86 " +
          "status=0x8c00000000000090 addr=0x12345000 misc=0x86 machine_checks=0 cleared=0x0"),
        R("RIG mce-bank bank=2 ack=0 sent_status=0xbc00000000000134 sent_addr=0x76543000 sent_misc=0x8c " +
          "status=0xbc00000000000134 addr=0x76543000 misc=0x8c machine_checks=1 cleared=0x0"),
    ];

    [Fact]
    public void Banks_that_read_back_what_was_written_and_injected_pass() => Assert.Empty(MceBankRules.Check(Clean()));

    [Fact]
    public void A_bank_past_the_count_that_reads_fails()
    {
        var records = Clean();
        records[4] = R("RIG mce-beyond bank=3 gp=0 value=0x0");
        Assert.Contains("instead of #GP", Assert.Single(MceBankRules.Check(records)));
    }

    [Fact]
    public void A_control_write_that_does_not_stick_fails()
    {
        var records = Clean();
        records[2] = R("RIG mce-ctl bank=1 write_zero_ok=1 read_zero=0xffffffffffffffff write_ones_ok=1 read_ones=0xffffffffffffffff");
        Assert.Contains("bank 1: IA32_MCi_CTL did not keep what was written", Assert.Single(MceBankRules.Check(records)));
    }

    [Fact]
    public void An_address_other_than_the_injected_one_fails()
    {
        var records = Clean();
        records[6] = R("RIG mce-bank bank=2 ack=0 sent_status=0xbc00000000000134 sent_addr=0x76543000 sent_misc=0x8c " +
                       "status=0xbc00000000000134 addr=0x0 misc=0x8c machine_checks=1 cleared=0x0");
        Assert.Contains("IA32_MCi_ADDR reads 0x0, the host injected 0x76543000", Assert.Single(MceBankRules.Check(records)));
    }

    [Fact]
    public void A_corrected_error_that_raised_a_machine_check_fails()
    {
        var records = Clean();
        records[5] = R("RIG mce-bank bank=2 ack=0 sent_status=0x8c00000000000090 sent_addr=0x12345000 sent_misc=0x86 " +
                       "status=0x8c00000000000090 addr=0x12345000 misc=0x86 machine_checks=1 cleared=0x0");
        Assert.Contains("a corrected error raised 1 #MC", Assert.Single(MceBankRules.Check(records)));
    }
}
