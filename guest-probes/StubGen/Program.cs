using Rig.Probes.StubGen;

// Usage: Rig.Probes.StubGen <output directory>  → rig-stub.bin + probe.ld
if (args.Length != 1)
{
    Console.Error.WriteLine("usage: Rig.Probes.StubGen <output directory>");
    return 2;
}
Directory.CreateDirectory(args[0]);
StubImage stub = StubImage.Build();
File.WriteAllBytes(Path.Combine(args[0], LinkerScript.StubFileName), stub.Blob);
File.WriteAllText(Path.Combine(args[0], "probe.ld"), LinkerScript.Write(stub));
return 0;
