using Rig.Hypervisor.Xen;

namespace Rig.Hypervisor.Tests.Xen;

/// <summary>
/// Guest RAM in a byte array. Linear addresses map to physical ones at <see cref="LinearOffset"/> (so a test can tell
/// a translated address from an untranslated one), except pages the test unmaps.
/// </summary>
internal sealed class FakeGuestMemory(int size) : IXenGuestMemory
{
    public const ulong LinearOffset = 0xFFFF_8000_0000_0000;

    private readonly HashSet<ulong> _unmappedPages = [];

    public byte[] Ram { get; } = new byte[size];

    public void Unmap(ulong linear) => _unmappedPages.Add(linear / 4096);

    public ulong? TranslateLinear(int vcpu, ulong linear) =>
        linear < LinearOffset || _unmappedPages.Contains(linear / 4096) ? null : linear - LinearOffset;

    public Span<byte> Physical(ulong gpa, int length) =>
        gpa <= (ulong)Ram.Length && (ulong)length <= (ulong)Ram.Length - gpa ? Ram.AsSpan((int)gpa, length) : [];

    public Span<byte> At(ulong gpa, int length) => Ram.AsSpan((int)gpa, length);
}
