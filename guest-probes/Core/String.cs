namespace System;

/// <summary>Frozen string literals only (there is no allocator for new strings). Field names and order are ILC's layout contract: length at +8, chars at +12.</summary>
public sealed class String
{
#pragma warning disable CS0649, IDE0044 // filled in by the compiler's literal layout
    private int _stringLength;
    private char _firstChar;
#pragma warning restore CS0649, IDE0044

    public int Length => _stringLength;

    public unsafe char this[int index]
    {
        get
        {
            fixed (char* chars = &_firstChar)
            {
                return chars[index];
            }
        }
    }
}
