// Helpers NativeAOT's IL scanner (on with -O) asks the system module for by name, whether or not the probe
// needs them (shared/notes/aot-probe.md, pitfall 1). Memory helpers are real because the JIT calls them for
// struct copies and zeroing; the cast and dynamic-interface helpers serve features this core library does
// not have (no interfaces, no casts between classes), so reaching one is a runtime bug: it stops the probe
// with #UD, which the runtime reports as `RIG error ... vector=0x6`.
using System.Runtime;
using System.Runtime.CompilerServices;

namespace System
{
    internal static class Buffer
    {
        // No GC, so there are no write barriers: a plain copy.
        internal static unsafe void BulkMoveWithWriteBarrier(ref byte destination, ref byte source, nuint byteCount) =>
            SpanHelpers.Memmove(ref destination, ref source, byteCount);
    }

    internal static class SpanHelpers
    {
        internal static unsafe void Memmove(ref byte destination, ref byte source, nuint length)
        {
            fixed (byte* d = &destination)
            fixed (byte* s = &source)
            {
                if (d < s)
                {
                    for (nuint i = 0; i < length; i++)
                    {
                        d[i] = s[i];
                    }
                }
                else
                {
                    for (nuint i = length; i > 0; i--)
                    {
                        d[i - 1] = s[i - 1];
                    }
                }
            }
        }

        internal static unsafe void ClearWithoutReferences(ref byte start, nuint length)
        {
            fixed (byte* p = &start)
            {
                for (nuint i = 0; i < length; i++)
                {
                    p[i] = 0;
                }
            }
        }

        internal static unsafe void Fill<T>(ref T start, nuint count, T value) where T : unmanaged
        {
            fixed (T* p = &start)
            {
                for (nuint i = 0; i < count; i++)
                {
                    p[i] = value;
                }
            }
        }
    }
}

namespace System.Runtime
{
    internal static unsafe class TypeCast
    {
        public static object IsInstanceOfAny(void* type, object obj) => Unsupported.Stop<object>();
        public static object IsInstanceOfInterface(void* type, object obj) => Unsupported.Stop<object>();
        public static object IsInstanceOfClass(void* type, object obj) => Unsupported.Stop<object>();
        public static object IsInstanceOfException(void* type, object obj) => Unsupported.Stop<object>();
        public static object CheckCastAny(void* type, object obj) => Unsupported.Stop<object>();
        public static object CheckCastInterface(void* type, object obj) => Unsupported.Stop<object>();
        public static object CheckCastClass(void* type, object obj) => Unsupported.Stop<object>();
        public static object CheckCastClassSpecial(void* type, object obj) => Unsupported.Stop<object>();
    }

    internal static class Unsupported
    {
        [RuntimeImport("rig_unsupported")]
        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern void Trap();

        public static T Stop<T>()
        {
            Trap();
            return default!;
        }
    }
}

namespace System.Runtime.InteropServices
{
    internal interface IDynamicInterfaceCastable
    {
        static RuntimeTypeHandle GetDynamicInterfaceImplementation(object instance, RuntimeTypeHandle interfaceType) =>
            Unsupported.Stop<RuntimeTypeHandle>();
    }
}

namespace Internal.Runtime.CompilerHelpers
{
    internal static class ThrowHelpers
    {
        internal static void ThrowFeatureBodyRemoved() => Unsupported.Stop<int>();
    }
}
