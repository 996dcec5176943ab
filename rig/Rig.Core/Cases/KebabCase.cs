using System.Text;

namespace Rig.Cases;

/// <summary>
/// How a C# name becomes a case or suite id: TimerAfterReboot → timer-after-reboot, NmiMce → nmi-mce. The class
/// name is a case's only spelling; its id, its probe image and its `--filter` all derive from it through this rule.
/// The guest build applies the same rule in MSBuild (guest-probes/Probes.targets, RigCaseId).
/// </summary>
public static class KebabCase
{
    public static string From(string pascal)
    {
        var kebab = new StringBuilder();
        for (var i = 0; i < pascal.Length; i++)
        {
            if (char.IsUpper(pascal[i]) && i > 0)
            {
                kebab.Append('-');
            }

            kebab.Append(char.ToLowerInvariant(pascal[i]));
        }

        return kebab.ToString();
    }
}
