using System.Globalization;
using Rig.Probes.Host;

// Usage: Rig.Bench.Probes [boots per target, default 10]
// Prints, per target, the time from process start to the first COM1 byte of Hello (min / median / max over
// the boots) and the time to VM exit. Numbers, not verdicts: compare targets within one run on the same machine.
int boots = args.Length > 0 && int.TryParse(args[0], CultureInfo.InvariantCulture, out int n) && n > 0 ? n : 10;
string repoRoot = ProbeImages.FindRepoRoot(AppContext.BaseDirectory);
string image = ProbeImages.PathOf(repoRoot, "Hello");
if (!File.Exists(image))
{
    Console.Error.WriteLine($"{image} is missing: build guest-probes/Rig.Probes.csproj first");
    return 2;
}
Console.WriteLine($"hello boot-to-first-COM1-byte, {boots} boots per target, image {new FileInfo(image).Length} bytes");
Console.WriteLine("target      first_byte_ms(min/median/max)   exit_ms(median)   failures");
foreach (ProbeTarget target in new[] { ProbeTarget.QemuTcg, ProbeTarget.QemuKvm, ProbeTarget.RigHv(repoRoot) })
{
    if (target.Unavailable() is { } reason)
    {
        Console.WriteLine($"{target.Name,-11} unavailable: {reason}");
        continue;
    }
    var firstBytes = new List<double>();
    var exits = new List<double>();
    int failures = 0;
    for (int i = 0; i < boots; i++)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        ProbeRun run = ProbeRunner.Run(target, image, 1, "", TimeSpan.FromSeconds(30));
        exits.Add(clock.Elapsed.TotalMilliseconds);
        if (run.FirstCom1Byte is not { } first || run.ProbeStatus != 0)
        {
            failures++;
            continue;
        }
        firstBytes.Add(first.TotalMilliseconds);
    }
    firstBytes.Sort();
    exits.Sort();
    string spread = firstBytes.Count == 0
        ? "-"
        : $"{firstBytes[0]:F1} / {firstBytes[firstBytes.Count / 2]:F1} / {firstBytes[^1]:F1}";
    Console.WriteLine($"{target.Name,-11} {spread,-31} {exits[exits.Count / 2],-17:F1} {failures}");
}
return 0;
