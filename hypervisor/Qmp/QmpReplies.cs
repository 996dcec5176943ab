using System.Text.Json;

namespace Rig.Hypervisor.Qmp;

/// <summary>
/// The server's messages in QEMU's member order (qapi/qmp-dispatch.c, monitor/qmp.c, qapi/qmp-event.c):
/// return before id, id before error, timestamp before event before data. JSON does not care; byte comparison does.
/// </summary>
internal static class QmpReplies
{
    /// <summary>The QEMU version rig-hv answers as: the one whose QMP behaviour it reproduces (Debian's 7.2).</summary>
    public const int QemuMajor = 7;
    public const int QemuMinor = 2;
    public const int QemuMicro = 0;
    public const string Package = "rig-hv";

    public static byte[] Greeting() => QmpJsonText.Message(w =>
    {
        w.WriteStartObject();
        w.WriteStartObject("QMP");
        w.WriteStartObject("version");
        w.WriteStartObject("qemu");
        w.WriteNumber("micro", QemuMicro);
        w.WriteNumber("minor", QemuMinor);
        w.WriteNumber("major", QemuMajor);
        w.WriteEndObject();
        w.WriteString("package", Package);
        w.WriteEndObject();
        // No "oob": every command runs in order on one gate, so out-of-band execution has nothing to offer.
        w.WriteStartArray("capabilities");
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    });

    public static byte[] Return(object? value, JsonElement? id) => QmpJsonText.Message(w =>
    {
        w.WriteStartObject();
        w.WritePropertyName("return");
        QmpJsonText.WriteValue(w, value);
        WriteId(w, id);
        w.WriteEndObject();
    });

    public static byte[] Error(QmpError error, JsonElement? id) => QmpJsonText.Message(w =>
    {
        w.WriteStartObject();
        WriteId(w, id);
        w.WriteStartObject("error");
        w.WriteString("class", error.ErrorClass);
        w.WriteString("desc", error.Message);
        w.WriteEndObject();
        w.WriteEndObject();
    });

    /// <summary>An event stamped with the host's wall clock, as QEMU's g_get_real_time; events without data omit "data".</summary>
    public static byte[] Event(VmEvent vmEvent, DateTimeOffset when) => QmpJsonText.Message(w =>
    {
        long microseconds = (when - DateTimeOffset.UnixEpoch).Ticks / TimeSpan.TicksPerMicrosecond;
        w.WriteStartObject();
        w.WriteStartObject("timestamp");
        w.WriteNumber("seconds", microseconds / 1_000_000);
        w.WriteNumber("microseconds", microseconds % 1_000_000);
        w.WriteEndObject();
        w.WriteString("event", vmEvent.Name);
        if (vmEvent.Data.Count > 0)
        {
            w.WritePropertyName("data");
            QmpJsonText.WriteValue(w, vmEvent.Data);
        }

        w.WriteEndObject();
    });

    private static void WriteId(Utf8JsonWriter writer, JsonElement? id)
    {
        if (id is { } value)
        {
            writer.WritePropertyName("id");
            value.WriteTo(writer);
        }
    }
}
