namespace Rig.Cases;

/// <summary>The case could not judge the target (missing image, VMM would not start): NUnit reports it as an error, not a failure.</summary>
public sealed class CaseErrorException(string message, Exception? inner = null) : Exception(message, inner);
