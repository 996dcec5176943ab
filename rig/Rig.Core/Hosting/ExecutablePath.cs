namespace Rig.Hosting;

/// <summary>Resolves a command the way a shell would, so "binary not found" is known before anything is spawned.</summary>
public static class ExecutablePath
{
    /// <summary>An absolute or relative path is taken as is (if it exists); a bare name is looked up on PATH.</summary>
    public static string? Find(string command)
    {
        if (command.Contains('/'))
        {
            return File.Exists(command) ? Path.GetFullPath(command) : null;
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin";
        foreach (var dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, command);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
