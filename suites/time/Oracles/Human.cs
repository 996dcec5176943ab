namespace Rig.Suites.Time.Oracles;

/// <summary>Durations as people read them; years are the signature of seed 000, so they are said as such.</summary>
internal static class Human
{
    public static string Ns(double ns) => Math.Abs(ns) switch
    {
        >= 365.25 * 86400e9 => $"{ns / (365.25 * 86400e9):0.#} years",
        >= 1e9 => $"{ns / 1e9:0.###} s",
        >= 1e6 => $"{ns / 1e6:0.###} ms",
        >= 1e3 => $"{ns / 1e3:0.###} us",
        _ => $"{ns:0} ns",
    };
}
