namespace System;

/// <summary>Root of all types. Its one field is the MethodTable pointer ILC's object layout expects first.</summary>
public class Object
{
#pragma warning disable CS0169, IDE0044, IDE0051 // read only by compiled code, never by C#
    private IntPtr m_pEEType;
#pragma warning restore CS0169, IDE0044, IDE0051
}
