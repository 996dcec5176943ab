using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Rig.Hypervisor.Qmp;

/// <summary>
/// Writes QMP messages as QEMU does (qobject/qjson.c): <c>", "</c> between members, <c>": "</c> after keys, one message per
/// line ended by CRLF. Clients that split on lines or compare transcripts with QEMU's then see the same bytes.
/// </summary>
internal static class QmpJsonText
{
    /// <summary>
    /// QEMU escapes only what JSON requires, so quotes in texts like "with 'qmp_capabilities'" stay as they are; the
    /// default encoder's HTML-safe \u0027 would make the same reply differ byte for byte.
    /// </summary>
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Serializes the object <paramref name="write"/> produces into one wire message.</summary>
    public static byte[] Message(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            write(writer);
        }

        return SpaceOutAndTerminate(buffer.WrittenSpan);
    }

    /// <summary>Inserts QEMU's space after each structural ':' and ',' (never inside strings) and appends CRLF.</summary>
    private static byte[] SpaceOutAndTerminate(ReadOnlySpan<byte> compact)
    {
        var output = new List<byte>(compact.Length + compact.Length / 4 + 2);
        bool inString = false;
        bool escaped = false;
        foreach (byte b in compact)
        {
            output.Add(b);
            if (inString)
            {
                if (escaped)
                {
                    escaped = false;
                }
                else if (b == (byte)'\\')
                {
                    escaped = true;
                }
                else if (b == (byte)'"')
                {
                    inString = false;
                }
            }
            else if (b == (byte)'"')
            {
                inString = true;
            }
            else if (b is (byte)':' or (byte)',')
            {
                output.Add((byte)' ');
            }
        }

        output.Add((byte)'\r');
        output.Add((byte)'\n');
        return [.. output];
    }

    /// <summary>
    /// Writes a value from an event's data or a command's result. The types are those <see cref="VmEvent"/> data holds:
    /// null, bool, string, integers, floating point, nested dictionaries and sequences.
    /// </summary>
    public static void WriteValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case string s:
                writer.WriteStringValue(s);
                break;
            case byte or sbyte or short or ushort or int or long:
                writer.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case uint or ulong:
                writer.WriteNumberValue(Convert.ToUInt64(value, CultureInfo.InvariantCulture));
                break;
            case float or double or decimal:
                writer.WriteNumberValue(Convert.ToDouble(value, CultureInfo.InvariantCulture));
                break;
            case IEnumerable<KeyValuePair<string, object?>> members:
                writer.WriteStartObject();
                foreach (var (key, member) in members)
                {
                    writer.WritePropertyName(key);
                    WriteValue(writer, member);
                }

                writer.WriteEndObject();
                break;
            case System.Collections.IEnumerable items:
                writer.WriteStartArray();
                foreach (object? item in items)
                {
                    WriteValue(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                // An enum or record from the VM: its text is what a human reading the transcript needs.
                writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }
}
