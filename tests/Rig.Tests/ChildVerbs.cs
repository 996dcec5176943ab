using Rig.Tests.Faults;
using Rig.Tests.Store;

namespace Rig.Tests;

/// <summary>
/// The test assembly's entry point: <c>dotnet Rig.Tests.dll VERB ...</c> runs test code in a child process that a test
/// kills, locks a store from, or starts as a VMM (the verbs' classes say what each does).
/// </summary>
public static class ChildVerbs
{
    public static int Main(string[] args) => args switch
    {
        [StoreWriterProcess.Verb, ..] => StoreWriterProcess.Run(args),
        [StoreLocker.Verb, ..] => StoreLocker.Run(args),
        [FakeVmm.Verb, ..] => FakeVmm.Run(args),
        _ => Usage(),
    };

    private static int Usage()
    {
        Console.Error.WriteLine($"usage: Rig.Tests {StoreWriterProcess.Verb}|{StoreLocker.Verb}|{FakeVmm.Verb} ...");
        return 2;
    }
}
