namespace Rig.Guest;

/// <summary>
/// The hypervisor CPUID range 0x40000000 (signature in EBX, ECX, EDX; EAX = highest leaf). Read once per boot:
/// every clock and feature test asks, and each CPUID is a gate call.
/// </summary>
public static unsafe class Hypervisor
{
    private static bool known;
    private static bool present;
    private static Cpu.CpuidResult range;

    /// <summary>CPUID 1 ECX bit 31, reserved for hypervisor use (SDM Vol. 2A CPUID, table 3-10).</summary>
    public static bool Present
    {
        get
        {
            Determine();
            return present;
        }
    }

    public static uint MaxLeaf => Present ? range.Eax : 0;

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
        uint* words = stackalloc uint[3];
        words[0] = range.Ebx;
        words[1] = range.Ecx;
        words[2] = range.Edx;
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
        return range.Ebx == Pack(a, b, c, d) && range.Ecx == Pack(e, f, g, h) && range.Edx == Pack(i, j, k, l);
    }

    private static void Determine()
    {
        if (known)
        {
            return;
        }
        present = Cpu.HasFeature1Ecx(31);
        if (present)
        {
            range = Cpu.Cpuid(0x40000000);
        }
        known = true;
    }

    private static uint Pack(char a, char b, char c, char d) => a | (uint)b << 8 | (uint)c << 16 | (uint)d << 24;
}
