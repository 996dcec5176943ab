namespace Rig.Guest;

/// <summary>The hypervisor CPUID range 0x40000000 (signature in EBX, ECX, EDX; EAX = highest leaf).</summary>
public static unsafe class Hypervisor
{
    public static bool Present => Cpu.HasFeature1Ecx(31);

    public static uint MaxLeaf => Present ? Cpu.Cpuid(0x40000000).Eax : 0;

    public static bool IsKvm => Signature('K', 'V', 'M', 'K', 'V', 'M', 'K', 'V', 'M', '\0', '\0', '\0');

    /// <summary>Adds ` hypervisor=<12 signature bytes>` (printable ones) to a line.</summary>
    public static void Describe(ref Line line)
    {
        line.Text(" hypervisor=");
        if (!Present)
        {
            line.Text("none");
            return;
        }
        Cpu.CpuidResult r = Cpu.Cpuid(0x40000000);
        uint* words = stackalloc uint[3];
        words[0] = r.Ebx;
        words[1] = r.Ecx;
        words[2] = r.Edx;
        byte* bytes = (byte*)words;
        for (int i = 0; i < 12; i++)
        {
            if (bytes[i] > ' ' && bytes[i] < 127)
            {
                line.Byte(bytes[i]);
            }
        }
    }

    private static bool Signature(char a, char b, char c, char d, char e, char f, char g, char h, char i, char j, char k, char l)
    {
        if (!Present)
        {
            return false;
        }
        Cpu.CpuidResult r = Cpu.Cpuid(0x40000000);
        return r.Ebx == Pack(a, b, c, d) && r.Ecx == Pack(e, f, g, h) && r.Edx == Pack(i, j, k, l);
    }

    private static uint Pack(char a, char b, char c, char d) => a | (uint)b << 8 | (uint)c << 16 | (uint)d << 24;
}
