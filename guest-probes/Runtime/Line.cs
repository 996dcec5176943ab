namespace Rig.Guest;

/// <summary>
/// One COM1 line built in place (no allocator, no string formatting in the core library). Overlong lines are
/// cut, never overrun: values are the probe's own numbers, but the buffer is fixed. A cut line ends in
/// <see cref="CutMark"/>, a word without '=', so the rig's parser flags the record damaged (the case errors) instead of
/// reading its last, truncated number as a value.
/// </summary>
public unsafe struct Line
{
    // Room for a full LAPIC dump (three 256-bit vector registers and two dozen other registers), and for
    // apic.timer-modes' arming record under load: 64 tick times and 24 stopped stretches of up to 7 digits each (~930
    // bytes; at 800 a loaded host's arming was cut).
    public const int Capacity = 1024;

    public const string CutMark = " ~cut";

    private fixed byte bytes[Capacity];
    private int length;
    private bool cut;

    public int Length => length;

    public void Byte(byte c)
    {
        if (length < Capacity - 1)
        {
            fixed (byte* b = bytes)
            {
                b[length++] = c;
            }
        }
        else
        {
            cut = true;
        }
    }

    public void Text(string s)
    {
        for (int i = 0; i < s.Length; i++)
        {
            Byte((byte)s[i]);
        }
    }

    /// <summary>A NUL-terminated ASCII string in guest memory (e.g. the command line).</summary>
    public void Ascii(byte* s, int max)
    {
        for (int i = 0; i < max && s[i] != 0; i++)
        {
            Byte(s[i]);
        }
    }

    public void Decimal(ulong value)
    {
        byte* digits = stackalloc byte[20];
        int n = 0;
        do
        {
            digits[n++] = (byte)('0' + value % 10);
            value /= 10;
        }
        while (value != 0);
        while (n > 0)
        {
            Byte(digits[--n]);
        }
    }

    public void Signed(long value)
    {
        if (value < 0)
        {
            Byte((byte)'-');
            Decimal((ulong)(-(value + 1)) + 1);
        }
        else
        {
            Decimal((ulong)value);
        }
    }

    public void Hex(ulong value)
    {
        Text("0x");
        int shift = 60;
        while (shift > 0 && (value >> shift & 0xF) == 0)
        {
            shift -= 4;
        }
        for (; shift >= 0; shift -= 4)
        {
            ulong nibble = value >> shift & 0xF;
            Byte((byte)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10));
        }
    }

    /// <summary>` key=value` in decimal.</summary>
    public void Field(string key, ulong value)
    {
        Key(key);
        Decimal(value);
    }

    public void SignedField(string key, long value)
    {
        Key(key);
        Signed(value);
    }

    public void HexField(string key, ulong value)
    {
        Key(key);
        Hex(value);
    }

    public void TextField(string key, string value)
    {
        Key(key);
        Text(value);
    }

    private void Key(string key)
    {
        Byte((byte)' ');
        Text(key);
        Byte((byte)'=');
    }

    /// <summary>Appends the newline and hands out the bytes.</summary>
    internal byte* Finish(byte* storage, out int count)
    {
        if (cut)
        {
            length = Capacity - 1 - CutMark.Length;
            cut = false;
            Text(CutMark);
        }

        fixed (byte* b = bytes)
        {
            b[length++] = (byte)'\n';
            for (int i = 0; i < length; i++)
            {
                storage[i] = b[i];
            }
        }
        count = length;
        return storage;
    }
}
