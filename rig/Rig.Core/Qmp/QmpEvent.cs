using System.Text.Json;

namespace Rig.Qmp;

/// <summary>An asynchronous QMP event (STOP, RESUME, RESET, SHUTDOWN, GUEST_PANICKED, ...), with its data object if any.</summary>
public sealed record QmpEvent(string Name, JsonElement? Data, DateTimeOffset Received);
