using System.Globalization;
using Rig.Protocol;

namespace Rig.Suites.Time.Oracles;

/// <summary>
/// Whether an oracle can judge a record at all: one damaged on COM1 (<see cref="Record.Damaged"/>: QEMU's UART drops
/// bytes when its chardev backs up) or missing a number it needs cannot be. The case reports such a record as an error,
/// never as a verdict on the target, and the oracles judge only the rest.
/// </summary>
public static class Readable
{
    public static bool Has(Record record, IReadOnlyCollection<string> numbers) =>
        !record.Damaged && numbers.All(n => double.TryParse(record[n], NumberStyles.Float, CultureInfo.InvariantCulture, out _));
}
