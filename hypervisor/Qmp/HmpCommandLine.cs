namespace Rig.Hypervisor.Qmp;

/// <summary>
/// The human monitor (HMP) behind QMP's human-monitor-command. Only <c>mce</c> is here: it is the one way QEMU offers to
/// inject a machine check, so the rig's MCE cases drive every target through it. Parsing follows QEMU 7.2's
/// monitor_parse_arguments for mce's argument string "broadcast:-b,cpu_index:i,bank:i,status:l,mcg_status:l,addr:l,misc:l"
/// and prints the same texts, so a case's transcript reads the same against QEMU and rig-hv.
/// Output lines end in CRLF as QEMU's monitor_puts makes them.
/// </summary>
internal static class HmpCommandLine
{
    private const string Mce = "mce";

    /// <summary>Runs one HMP line; returns what the monitor prints (empty on success).</summary>
    public static string Execute(string line, IVmControl vm)
    {
        int position = 0;
        SkipSpaces(line, ref position);
        int nameStart = position;
        while (position < line.Length && line[position] != '/' && !HmpExpression.IsSpace(line[position]))
        {
            position++;
        }

        string name = line[nameStart..position];
        if (name.Length == 0)
        {
            return "";
        }

        if (name != Mce)
        {
            return $"unknown command: '{name}'\r\n";
        }

        try
        {
            var mce = ParseMce(line, position);
            if (mce.Broadcast)
            {
                return $"{Mce}: -b (broadcast to every vCPU) is not supported by rig-hv\r\n";
            }

            vm.InjectMce(mce.Cpu, mce.Bank, mce.Status, mce.McgStatus, mce.Addr, mce.Misc);
            return "";
        }
        catch (HmpSyntaxException e)
        {
            return $"{e.Message}\r\nTry \"help {Mce}\" for more information\r\n";
        }
        catch (VmControlException e)
        {
            // QEMU prints an injection it refuses (bad bank, invalid status) as monitor text, not as a QMP error.
            return $"{e.Message}\r\n";
        }
    }

    /// <summary>The arguments of one <c>mce</c> line, as HMP's parser produced them.</summary>
    internal readonly record struct MceArguments(bool Broadcast, int Cpu, int Bank, ulong Status, ulong McgStatus, ulong Addr, ulong Misc);

    internal static MceArguments ParseMce(string line, int position)
    {
        bool broadcast = ParseOption(line, ref position, 'b');
        int cpu = Int32Argument(line, ref position);
        int bank = Int32Argument(line, ref position);
        ulong status = Int64Argument(line, ref position);
        ulong mcgStatus = Int64Argument(line, ref position);
        ulong addr = Int64Argument(line, ref position);
        ulong misc = Int64Argument(line, ref position);
        SkipSpaces(line, ref position);
        if (position < line.Length)
        {
            throw new HmpSyntaxException($"{Mce}: extraneous characters at the end of line");
        }

        return new MceArguments(broadcast, cpu, bank, status, mcgStatus, addr, misc);
    }

    /// <summary>A "-x" flag argument: present, absent, or (any other letter) an error.</summary>
    private static bool ParseOption(string line, ref int position, char option)
    {
        int afterSpaces = position;
        SkipSpaces(line, ref afterSpaces);
        if (afterSpaces >= line.Length || line[afterSpaces] != '-')
        {
            return false;
        }

        string given = afterSpaces + 1 < line.Length ? line[afterSpaces + 1].ToString() : "";
        if (given != option.ToString())
        {
            throw new HmpSyntaxException($"{Mce}: unsupported option -{given}");
        }

        position = afterSpaces + 2;
        return true;
    }

    /// <summary>HMP type 'i': any expression whose value fits 32 bits (QEMU then stores it in a C int).</summary>
    private static int Int32Argument(string line, ref int position)
    {
        long value = HmpExpression.Evaluate(line, ref position);
        if ((value >> 32) != 0)
        {
            throw new HmpSyntaxException($"'{Mce}' has failed: integer is for 32-bit values");
        }

        return unchecked((int)value);
    }

    /// <summary>HMP type 'l': a 64-bit expression.</summary>
    private static ulong Int64Argument(string line, ref int position) =>
        unchecked((ulong)HmpExpression.Evaluate(line, ref position));

    private static void SkipSpaces(string line, ref int position)
    {
        while (position < line.Length && HmpExpression.IsSpace(line[position]))
        {
            position++;
        }
    }
}
