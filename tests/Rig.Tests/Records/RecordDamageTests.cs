using Rig.Protocol;

namespace Rig.Tests.Records;

/// <summary>A record that lost bytes on COM1 is told apart from one a target filled with wrong values.</summary>
public sealed class RecordDamageTests
{
    [Theory]
    [InlineData("RIG ok hello")]
    [InlineData("RIG metric selftest.tsc hz=2500000000 unit=Hz")]
    [InlineData("RIG lapic after=init cpu=2 isr=0x00 tmr=0x00 irr=0x00")]
    public void Whole_records_are_not_damaged(string line) => Assert.False(RecordParser.TryParse(line)!.Damaged);

    [Fact]
    public void A_record_missing_a_16_byte_burst_is_damaged()
    {
        // Seen on qemu-kvm-userapic under load: " tmr=0x0000000000" (one FIFO burst) vanished from the middle of the line.
        var r = RecordParser.TryParse("RIG lapic after=init cpu=2 isr=0x0000000000000000 000000000000 irr=0x00")!;
        Assert.True(r.Damaged);
        Assert.Null(r["tmr"]);
    }
}
