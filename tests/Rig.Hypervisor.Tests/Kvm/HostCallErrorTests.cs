using Rig.Hypervisor.Kvm;

namespace Rig.Hypervisor.Tests.Kvm;

/// <summary>
/// A failed libc call (through Tmds.LibC or LibcGaps) is reported with the call, the path, the error text and the errno the
/// call itself set: a stale or lost errno would read "Success (errno 0)" or another call's error.
/// </summary>
public sealed class HostCallErrorTests
{
    [Fact]
    public void Opening_a_device_that_does_not_exist_names_it_and_ENOENT()
    {
        var e = Assert.Throws<KvmException>(() => new KvmSystem("/nonexistent/rig-kvm"));

        Assert.Equal("open /nonexistent/rig-kvm failed: No such file or directory (errno 2)", e.Message);
    }

    [Fact]
    public void A_shared_table_in_a_missing_directory_names_the_path_and_ENOENT()
    {
        var e = Assert.Throws<KvmException>(() => MappedWords.OpenShared("/nonexistent/rig-words", 4));

        Assert.Equal("open /nonexistent/rig-words failed: No such file or directory (errno 2)", e.Message);
    }

    [Fact]
    public void A_shared_table_keeps_its_words_across_two_mappings_of_one_file()
    {
        string path = Path.Combine(Path.GetTempPath(), $"rig-words-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            using (var first = MappedWords.OpenShared(path, 4))
            {
                first[3] = 0xfeed;
            }

            using var second = MappedWords.OpenShared(path, 4);
            Assert.Equal([0UL, 0UL, 0UL, 0xfeedUL], second.Words.ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
