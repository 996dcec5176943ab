using System.Text.Json;

namespace Rig.Hypervisor.Qmp;

/// <summary>
/// One checked client request. The checks and their texts are QEMU's (qapi/qmp-dispatch.c, qmp_dispatch_check_obj),
/// so a client's error handling written against QEMU works here unchanged.
/// </summary>
internal sealed record QmpRequest(string Command, JsonElement Arguments, JsonElement? Id)
{
    private static readonly JsonDocumentOptions ParseOptions = new() { MaxDepth = QmpInputFramer.DefaultMaxDepth };

    /// <summary>An empty arguments object, for requests without "arguments".</summary>
    private static readonly JsonElement NoArguments = JsonDocument.Parse("{}").RootElement.Clone();

    /// <summary>
    /// Parses and checks one framed text. On failure returns the error and, when the text was an object with an "id",
    /// that id so the error reply can still carry it (QEMU does the same).
    /// </summary>
    public static (QmpRequest? Request, QmpError? Error, JsonElement? Id) Parse(ReadOnlyMemory<byte> text)
    {
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(text, ParseOptions);
            root = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            return (null, QmpError.Generic($"JSON parse error, {FirstSentence(e.Message)}"), null);
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            return (null, QmpError.Generic("QMP input must be a JSON object"), null);
        }

        JsonElement? id = root.TryGetProperty("id", out var idElement) ? idElement : null;
        string? command = null;
        var arguments = NoArguments;
        foreach (var member in root.EnumerateObject())
        {
            switch (member.Name)
            {
                case "execute" when member.Value.ValueKind == JsonValueKind.String:
                    command = member.Value.GetString();
                    break;
                case "execute":
                    return (null, QmpError.Generic("QMP input member 'execute' must be a string"), id);
                case "arguments" when member.Value.ValueKind == JsonValueKind.Object:
                    arguments = member.Value;
                    break;
                case "arguments":
                    return (null, QmpError.Generic("QMP input member 'arguments' must be an object"), id);
                case "id":
                    break;
                default:
                    // "exec-oob" lands here too: the greeting offers no "oob" capability.
                    return (null, QmpError.Generic($"QMP input member '{member.Name}' is unexpected"), id);
            }
        }

        if (command is null)
        {
            return (null, QmpError.Generic("QMP input lacks member 'execute'"), id);
        }

        return (new QmpRequest(command, arguments, id), null, id);
    }

    /// <summary>System.Text.Json appends the JSON path and byte offsets; the first sentence says what is wrong.</summary>
    private static string FirstSentence(string message)
    {
        int end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..end];
    }
}
