using System.Text.Json;

namespace Rig.Hypervisor.Qmp;

/// <summary>The JSON type a command parameter must have (QAPI schema types as QEMU names them in its errors).</summary>
internal enum QmpArgumentType
{
    String,
    Integer,
    Array,
    Boolean,
}

/// <summary>One parameter of a command's schema.</summary>
internal sealed record QmpParameter(string Name, QmpArgumentType Type, bool Required = true);

/// <summary>
/// A command's arguments checked against its parameters before the command runs, with QEMU's texts
/// (qapi/qobject-input-visitor.c): missing, wrong type, unexpected. Commands then read them without further checks.
/// </summary>
internal sealed class QmpArguments
{
    private readonly JsonElement _arguments;

    private QmpArguments(JsonElement arguments) => _arguments = arguments;

    public static QmpArguments Check(JsonElement arguments, IReadOnlyList<QmpParameter> parameters)
    {
        foreach (var member in arguments.EnumerateObject())
        {
            if (!parameters.Any(p => p.Name == member.Name))
            {
                throw QmpError.Generic($"Parameter '{member.Name}' is unexpected");
            }
        }

        foreach (var parameter in parameters)
        {
            if (!arguments.TryGetProperty(parameter.Name, out var value))
            {
                if (parameter.Required)
                {
                    throw QmpError.Generic($"Parameter '{parameter.Name}' is missing");
                }

                continue;
            }

            if (!HasType(value, parameter.Type))
            {
                throw QmpError.Generic(
                    $"Invalid parameter type for '{parameter.Name}', expected: {parameter.Type.ToString().ToLowerInvariant()}");
            }
        }

        return new QmpArguments(arguments);
    }

    public string String(string name) => _arguments.GetProperty(name).GetString()!;

    /// <summary>
    /// QAPI's "int" is 64 bits; like QEMU, a value that only fits unsigned (or a negative one, for an address) is taken
    /// modulo 2^64, so pmemsave val=-1 means the last byte of the address space, as in QEMU.
    /// </summary>
    public ulong Integer(string name)
    {
        var value = _arguments.GetProperty(name);
        return value.TryGetInt64(out long signed) ? unchecked((ulong)signed) : value.GetUInt64();
    }

    /// <summary>An optional integer: <paramref name="fallback"/> when absent.</summary>
    public ulong Integer(string name, ulong fallback) => _arguments.TryGetProperty(name, out _) ? Integer(name) : fallback;

    /// <summary>An optional boolean: false when absent.</summary>
    public bool Boolean(string name) => _arguments.TryGetProperty(name, out var value) && value.GetBoolean();

    public IEnumerable<JsonElement> Array(string name) =>
        _arguments.TryGetProperty(name, out var value) ? value.EnumerateArray() : [];

    private static bool HasType(JsonElement value, QmpArgumentType type) => type switch
    {
        QmpArgumentType.String => value.ValueKind == JsonValueKind.String,
        QmpArgumentType.Integer => value.ValueKind == JsonValueKind.Number
            && (value.TryGetInt64(out _) || value.TryGetUInt64(out _)),
        QmpArgumentType.Array => value.ValueKind == JsonValueKind.Array,
        QmpArgumentType.Boolean => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        _ => false,
    };
}
