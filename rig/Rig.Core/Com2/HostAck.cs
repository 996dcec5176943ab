namespace Rig.Com2;

/// <summary>
/// The host's <c>RIG-ACK &lt;seq&gt; ok|err [key=value ...]</c>. <see cref="Seq"/> is usually the request's, but after
/// a snapshot revert it is the seq of the <c>snapshot-save</c> the guest is back to waiting on.
/// </summary>
public sealed record HostAck(long Seq, bool Ok, IReadOnlyList<KeyValuePair<string, string>> Fields)
{
    public static HostAck Success(long seq, params KeyValuePair<string, string>[] fields) => new(seq, true, fields);

    /// <summary>An action the host could not do; the reason is one word (spaces would break the line format).</summary>
    public static HostAck Error(long seq, string reason) => new(seq, false, [new("reason", reason.Replace(' ', '-'))]);

    public string ToWire()
    {
        var words = new List<string> { "RIG-ACK", Seq.ToString(System.Globalization.CultureInfo.InvariantCulture), Ok ? "ok" : "err" };
        words.AddRange(Fields.Select(f => $"{f.Key}={f.Value.Replace(' ', '-')}"));
        return string.Join(' ', words);
    }
}
