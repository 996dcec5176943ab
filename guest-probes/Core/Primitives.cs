namespace System;

// The primitive types csc and ILC require by name. Their layout is the compiler's business; they carry no
// members because probes need none (no boxing, no formatting: the runtime's own formatter writes numbers).
public struct Void { }
public struct Boolean { }
public struct Char { }
public struct SByte { }
public struct Byte { }
public struct Int16 { }
public struct UInt16 { }
public struct Int32 { }
public struct UInt32 { }
public struct Int64 { }
public struct UInt64 { }
public struct Single { }
public struct Double { }

public unsafe struct IntPtr
{
#pragma warning disable CS0169, IDE0044, IDE0051
    private void* _value;
#pragma warning restore CS0169, IDE0044, IDE0051
}

public unsafe struct UIntPtr
{
#pragma warning disable CS0169, IDE0044, IDE0051
    private void* _value;
#pragma warning restore CS0169, IDE0044, IDE0051
}

public abstract class ValueType { }
public abstract class Enum : ValueType { }
public struct Nullable<T> where T : struct { }
public struct RuntimeTypeHandle { }
public struct RuntimeMethodHandle { }
public struct RuntimeFieldHandle { }
public abstract class Delegate { }
public abstract class MulticastDelegate : Delegate { }

/// <summary>Only as the argument type csc gives FixedBufferAttribute (typeof in attribute metadata).</summary>
public abstract class Type { }
