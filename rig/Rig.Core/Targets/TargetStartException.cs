namespace Rig.Targets;

/// <summary>A VMM did not come up; the message carries its command line's binary and what it printed on stderr.</summary>
public sealed class TargetStartException(VmLaunch launch, string what, string stderr)
    : Exception($"{launch.Target}: {Path.GetFileName(launch.Binary)} {what}" + (stderr.Trim().Length > 0 ? $"; it said: {stderr.Trim()}" : ""));
