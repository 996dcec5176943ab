using Rig.Guest;

/// <summary>The smallest probe: proves the image boots, prints and exits 0 on a target.</summary>
public static class Probe
{
    public const string Name = ThisCase.Id;

    public static void Main()
    {
        Console.WriteLine("hello from C# at CPL3");
        Report.Ok(Name);
    }
}
