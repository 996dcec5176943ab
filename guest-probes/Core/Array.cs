namespace System;

/// <summary>Arrays exist for the compiler's type system; probes use pointers into runtime memory instead.</summary>
public abstract class Array { }

/// <summary>ILC models T[] as deriving from Array&lt;T&gt;.</summary>
public class Array<T> : Array { }
