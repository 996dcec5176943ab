namespace Rig.Junit;

/// <summary>
/// Release names and run ids become directory and file names; one like <c>../x</c> or <c>a/b</c> must not
/// escape <c>results/</c>. Anything but letters, digits, '.', '-', '_' becomes '_', and dot-only names are prefixed.
/// </summary>
public static class SafeFileName
{
    public static string Of(string name)
    {
        var safe = new string([.. name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_')]);
        return safe.Length == 0 || safe.All(c => c == '.') ? "_" + safe : safe;
    }
}
