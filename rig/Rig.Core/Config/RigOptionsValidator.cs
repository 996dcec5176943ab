namespace Rig.Config;

/// <summary>The rules a configuration must meet; each error names its key as Microsoft.Extensions.Configuration spells it.</summary>
public static class RigOptionsValidator
{
    public static readonly IReadOnlySet<string> Kinds = new HashSet<string>(StringComparer.Ordinal) { "qemu", "reference", "xen" };
    public static readonly IReadOnlySet<string> Accels = new HashSet<string>(StringComparer.Ordinal) { "kvm", "tcg" };
    public static readonly IReadOnlySet<string> Machines = new HashSet<string>(StringComparer.Ordinal) { "microvm", "q35", "pc" };
    public static readonly IReadOnlySet<string> Irqchips = new HashSet<string>(StringComparer.Ordinal) { "", "user", "kernel" };

    public static void Validate(RigOptions options)
    {
        if (options.Profile is not ("default" or "lab"))
        {
            throw Error("profile", $"must be 'default' or 'lab' (got '{options.Profile}')");
        }

        try
        {
            options.Compare.Thresholds.Validate();
        }
        catch (ArgumentException e)
        {
            // Validate's messages already start with the key (compare:thresholds:...).
            throw new RigConfigException(e.Message);
        }

        if (options.WatchdogSeconds is < 1 or > 86400)
        {
            throw Error("watchdogSeconds", $"must be between 1 and 86400 (got {options.WatchdogSeconds})");
        }

        if (string.IsNullOrWhiteSpace(options.Store))
        {
            throw Error("store", "must be a SQLite path or a PostgreSQL connection string");
        }

        if (options.Release.Any(c => char.IsWhiteSpace(c) || c is '/' or '\\'))
        {
            throw Error("release", $"must not contain spaces or slashes: it names a directory under results/ (got '{options.Release}')");
        }

        if (options.Targets.Count == 0)
        {
            throw Error("targets", "no targets configured");
        }

        foreach (var (name, target) in options.Targets)
        {
            ValidateTarget($"targets:{name}", name, target);
        }
    }

    private static void ValidateTarget(string key, string name, TargetOptions target)
    {
        if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw Error(key, "a target name uses letters, digits, '-' and '_' only");
        }

        if (!Kinds.Contains(target.Kind))
        {
            throw Error($"{key}:kind", $"must be one of {string.Join(", ", Kinds)} (got '{target.Kind}')");
        }

        if (string.IsNullOrWhiteSpace(target.Binary))
        {
            throw Error($"{key}:binary", "must name the VMM binary");
        }

        if (target.MemoryMb is < 16 or > 65536)
        {
            throw Error($"{key}:memoryMb", $"must be between 16 and 65536 (got {target.MemoryMb})");
        }

        if (target.Kind == "qemu")
        {
            if (!Accels.Contains(target.Accel))
            {
                throw Error($"{key}:accel", $"must be one of {string.Join(", ", Accels)} (got '{target.Accel}')");
            }

            if (!Machines.Contains(target.Machine))
            {
                throw Error($"{key}:machine", $"must be one of {string.Join(", ", Machines)} (got '{target.Machine}')");
            }
        }

        if (target.Kind == "xen")
        {
            if (target.Accel is not ("" or "tcg"))
            {
                throw Error($"{key}:accel", $"must be 'tcg' (xen-tcg: Xen under QEMU TCG) or empty (this host's own xl) (got '{target.Accel}')");
            }

            if (target.Machine is not ("pvh" or "hvm"))
            {
                throw Error($"{key}:machine", $"must be 'pvh' or 'hvm', the guest type xl creates (got '{target.Machine}')");
            }
        }

        if (target.Kind == "reference" && !Irqchips.Contains(target.Irqchip))
        {
            throw Error($"{key}:irqchip", $"must be 'user' or 'kernel' (got '{target.Irqchip}')");
        }

        foreach (var offered in target.Offers.Where(o => !Cases.TargetInterfaces.Names.Contains(o)))
        {
            throw Error($"{key}:offers", $"'{offered}' is not an interface a probe reports (one of {string.Join(", ", Cases.TargetInterfaces.Names)})");
        }

        foreach (var (module, entries) in target.HostLimits)
        {
            foreach (string entry in entries)
            {
                if (Cases.HostLimit.TryParse(entry, out string why) is null)
                {
                    throw Error($"{key}:hostLimits:{module}", why);
                }
            }
        }
    }

    private static RigConfigException Error(string key, string message) => new($"{key}: {message}");
}
