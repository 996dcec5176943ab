namespace Rig.Store;

/// <summary>The results store cannot be opened or read as asked: a bad location, a newer schema, a corrupt file.</summary>
public sealed class StoreException(string message, Exception? inner = null) : Exception(message, inner);
