namespace System.Runtime.CompilerServices
{
    [AttributeUsage(AttributeTargets.All)]
    internal sealed class IntrinsicAttribute : Attribute { }

    /// <summary>Marker csc emits as a modreq on `volatile` fields.</summary>
    public static class IsVolatile { }

    public enum MethodImplOptions
    {
        NoInlining = 0x8,
        ForwardRef = 0x10,
        InternalCall = 0x1000,
        AggressiveInlining = 0x100,
    }

    [AttributeUsage(AttributeTargets.Constructor | AttributeTargets.Method)]
    public sealed class MethodImplAttribute : Attribute
    {
        public MethodImplAttribute(MethodImplOptions options) => Value = options;

        public MethodImplOptions Value { get; }
    }

    [AttributeUsage(AttributeTargets.Assembly | AttributeTargets.Class | AttributeTargets.Method)]
    public sealed class ExtensionAttribute : Attribute { }

    [AttributeUsage(AttributeTargets.All, Inherited = true)]
    public sealed class CompilerGeneratedAttribute : Attribute { }

    [AttributeUsage(AttributeTargets.Module)]
    public sealed class RefSafetyRulesAttribute : Attribute
    {
        public RefSafetyRulesAttribute(int version) => Version = version;

        public int Version { get; }
    }

    public static class RuntimeHelpers
    {
        /// <summary>csc uses it for `fixed (char* p = str)`: chars start after the MethodTable pointer and the length.</summary>
        public static unsafe int OffsetToStringData => sizeof(IntPtr) + sizeof(int);
    }
}

namespace System.Runtime
{
    /// <summary>ILC: the method becomes a plain SysV symbol of this name (no reverse P/Invoke frame).</summary>
    [AttributeUsage(AttributeTargets.Method)]
    internal sealed class RuntimeExportAttribute : Attribute
    {
        public RuntimeExportAttribute(string entry) => Entry = entry;

        public string Entry { get; }
    }

    /// <summary>ILC: an InternalCall extern becomes a direct call to this symbol, with no transition frame.</summary>
    [AttributeUsage(AttributeTargets.Method)]
    internal sealed class RuntimeImportAttribute : Attribute
    {
        public RuntimeImportAttribute(string entry) => Entry = entry;

        public string Entry { get; }
    }
}

namespace System.Runtime.InteropServices
{
    public enum LayoutKind
    {
        Sequential = 0,
        Explicit = 2,
        Auto = 3,
    }

    [AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct)]
    public sealed class StructLayoutAttribute : Attribute
    {
        public StructLayoutAttribute(LayoutKind layoutKind) => Value = layoutKind;

        public LayoutKind Value { get; }
    }
}

namespace System.Runtime.CompilerServices
{
    /// <summary>csc requires these for `fixed` buffers in structs.</summary>
    [AttributeUsage(AttributeTargets.Field)]
    public sealed class FixedBufferAttribute : Attribute
    {
        public FixedBufferAttribute(Type elementType, int length) => Length = length;

        public int Length { get; }
    }

    [AttributeUsage(AttributeTargets.Struct)]
    public sealed class UnsafeValueTypeAttribute : Attribute { }
}

namespace System.Runtime.CompilerServices
{
    /// <summary>csc checks these names before it allows static or default interface members (the helper ILC demands on IDynamicInterfaceCastable is one).</summary>
    public static class RuntimeFeature
    {
        public const string DefaultImplementationsOfInterfaces = nameof(DefaultImplementationsOfInterfaces);
        public const string VirtualStaticsInInterfaces = nameof(VirtualStaticsInInterfaces);
    }
}

namespace System.Runtime.InteropServices
{
    /// <summary>csc encodes the `unmanaged` generic constraint with a modreq of this type.</summary>
    public enum UnmanagedType
    {
    }
}
