using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace Rig.Config;

/// <summary>
/// Loads rig.json, then RIG_* environment variables, then flags (later wins), binds them to
/// <see cref="RigOptions"/> and validates before anything runs, so a typo fails fast with its key.
/// </summary>
public static class RigConfiguration
{
    public const string FileName = "rig.json";
    public const string EnvironmentPrefix = "RIG_";

    public static RigOptions Load(string repoRoot, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var path = Path.Combine(repoRoot, FileName);
        if (!File.Exists(path))
        {
            throw new RigConfigException($"{FileName}: not found in {repoRoot}");
        }

        IConfigurationRoot root;
        try
        {
            root = new ConfigurationBuilder()
                .AddJsonFile(path, optional: false, reloadOnChange: false)
                .AddEnvironmentVariables(EnvironmentPrefix)
                .AddInMemoryCollection(overrides ?? new Dictionary<string, string?>())
                .Build();
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or JsonException)
        {
            throw new RigConfigException($"{FileName}: not valid JSON: {e.InnerException?.Message ?? e.Message}", e);
        }

        var options = new RigOptions();
        try
        {
            root.Bind(options, o => o.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException e)
        {
            throw new RigConfigException(DescribeBindError(e, root), e);
        }

        RigOptionsValidator.Validate(options);
        return options;
    }

    // The binder says "Failed to convert configuration value 'x' at 'WatchdogSeconds' to type ..." or lists
    // unknown keys; lead with the key as the user spelled it (the binder gives the property's casing) so the
    // message reads like every other configuration error.
    private static string DescribeBindError(InvalidOperationException e, IConfigurationRoot root)
    {
        var message = e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message;
        var at = System.Text.RegularExpressions.Regex.Match(message, "at '([^']+)'");
        if (!at.Success)
        {
            return $"{FileName}: {message}";
        }

        var path = at.Groups[1].Value;
        var key = root.AsEnumerable().Select(kv => kv.Key).FirstOrDefault(k => string.Equals(k, path, StringComparison.OrdinalIgnoreCase)) ?? path;
        return $"{key}: {message}";
    }
}
