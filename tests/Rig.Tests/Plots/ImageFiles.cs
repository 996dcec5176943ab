using System.Buffers.Binary;
using System.Xml.Linq;

namespace Rig.Tests.Plots;

/// <summary>Checks that a produced file really is the image it claims to be.</summary>
public static class ImageFiles
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>PNG signature, then IHDR as the first chunk (PNG spec §5.2, §11.2.2) with a non-empty size.</summary>
    public static (int Width, int Height) AssertPng(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 33, $"{path} is too short for a PNG");
        Assert.Equal(PngSignature, bytes[..8]);
        Assert.Equal(13, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(8, 4)));
        Assert.Equal("IHDR"u8.ToArray(), bytes[12..16]);
        var width = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16, 4));
        var height = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20, 4));
        Assert.True(width > 0 && height > 0, $"{path} is {width}x{height}");
        return (width, height);
    }

    /// <summary>Well-formed XML whose root is an SVG element.</summary>
    public static XDocument AssertSvg(string path)
    {
        var svg = XDocument.Load(path, LoadOptions.None);
        Assert.Equal("svg", svg.Root!.Name.LocalName);
        return svg;
    }
}
