using Rig.Fuzz;

namespace Rig.Tests.Store;

/// <summary>A stored <c>rig fuzz</c> campaign as a real one leaves it: a seed above long.MaxValue, every interface, one crash with hostile evidence.</summary>
public static class SampleFuzzRun
{
    public const ulong Seed = 0xF000_0000_0000_0021;
    public const string HostileEvidence = "rig-hv: Unhandled exception <script>alert('fuzz')</script> at 0xfffffff0";
    public const string Replay = "rig fuzz --target reference --vcpus 2 --seed 8416259369615328911 --weights 0x4ffffff44b555 --epochs 1 --seconds 31 --trace";

    public static FuzzRunSummary WithOneCrash(DateTimeOffset started) => new(
        "reference", Seed, 2, started, TimeSpan.FromSeconds(61.5), 245_000, 3_412,
        [.. FuzzInterfaces.Names.Select((name, i) => new FuzzRunSummary.Interface(name, (ulong)(1_000 * (i + 1)), name == "reset" ? 0 : 10 * i, name != "com2"))],
        [
            new(0, Seed, FuzzOutcome.GuestShutdown, 120_000, TimeSpan.FromSeconds(30), "the guest shut down (triple fault)", null),
            new(1, 8416259369615328911, FuzzOutcome.Crash, 100_000, TimeSpan.FromSeconds(30.2), HostileEvidence, Replay),
            new(2, 77, FuzzOutcome.Stopped, 25_000, TimeSpan.FromSeconds(1.3), "stopped on time", null),
        ]);
}
