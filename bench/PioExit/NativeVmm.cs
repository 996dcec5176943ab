namespace Rig.Bench.PioExit;

/// <summary>pio_vmm.c built with gcc -O2 into artifacts/, rebuilt whenever the source is newer than the binary.</summary>
internal static class NativeVmm
{
    public static async Task<string> BuildAsync(string source, string outputDirectory)
    {
        Directory.CreateDirectory(outputDirectory);
        string binary = Path.Combine(outputDirectory, "pio_vmm");
        if (File.Exists(binary) && File.GetLastWriteTimeUtc(binary) >= File.GetLastWriteTimeUtc(source))
        {
            return binary;
        }

        var gcc = await TimedProcess.RunAsync("gcc", ["-O2", "-Wall", "-Wextra", "-Werror", "-o", binary, source], TimeSpan.FromMinutes(2));
        if (gcc.ExitCode != 0)
        {
            throw new InvalidOperationException($"gcc failed on {source}:\n{gcc.Stderr}");
        }

        return binary;
    }
}
