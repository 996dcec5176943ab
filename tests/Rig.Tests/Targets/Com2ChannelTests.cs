using System.IO.Pipelines;
using System.Text;
using Rig.Com2;
using Rig.Hosting;

namespace Rig.Tests.Targets;

/// <summary>The COM2 request/ack channel of docs/protocol.md, served against a fake control plane.</summary>
public sealed class Com2ChannelTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Nmi_is_performed_then_acknowledged_with_the_guests_seq()
    {
        var (acks, control) = await Serve("RIG-REQ 7 nmi");

        Assert.Equal(["RIG-ACK 7 ok"], acks);
        Assert.Equal(["inject-nmi"], control.Calls);
    }

    [Fact]
    public async Task Mce_passes_every_field_through_to_the_control_plane()
    {
        var (acks, control) = await Serve("RIG-REQ 1 mce bank=1 status=0xb200000000000175 mcg=0x5 addr=0x1000 misc=0x86");

        Assert.Equal(["RIG-ACK 1 ok"], acks);
        Assert.Equal(["mce 0 1 0xb200000000000175 0x5 0x1000 0x86"], control.Calls);
    }

    [Fact]
    public async Task Reset_is_never_acknowledged_because_the_guest_that_asked_is_gone()
    {
        var (acks, control) = await Serve("RIG-REQ 3 reset");

        Assert.Empty(acks);
        Assert.Equal(["system_reset"], control.Calls);
    }

    [Fact]
    public async Task A_revert_acknowledges_the_snapshot_save_the_guest_is_back_inside()
    {
        var (acks, _) = await Serve("RIG-REQ 4 snapshot-save name=a", "RIG-REQ 5 snapshot-revert name=a");

        Assert.Equal(["RIG-ACK 4 ok", "RIG-ACK 4 ok reverted=1"], acks);
    }

    [Fact]
    public async Task A_target_without_snapshots_answers_err_so_the_probe_can_skip()
    {
        var (acks, _) = await Serve(new RecordingControlPlane(snapshots: false), "RIG-REQ 9 snapshot-save name=a");

        Assert.Equal(["RIG-ACK 9 err reason=unsupported"], acks);
    }

    [Fact]
    public async Task Calibration_actions_reach_the_reference_and_are_refused_where_there_is_no_xen_clock()
    {
        var (acks, control) = await Serve("RIG-REQ 1 calibration-period us=1000", "RIG-REQ 2 calibrate", "RIG-REQ 3 calibrate");
        var (refused, _) = await Serve(new RecordingControlPlane(snapshots: false), "RIG-REQ 4 calibrate");

        Assert.Equal(["RIG-ACK 1 ok", "RIG-ACK 2 ok calibrations=1", "RIG-ACK 3 ok calibrations=2"], acks);
        Assert.Equal(["calibration-period 1000", "calibrate", "calibrate"], control.Calls);
        Assert.Equal(["RIG-ACK 4 err reason=reference-only"], refused);
    }

    [Fact]
    public async Task Pause_stops_then_continues_and_reports_the_real_pause()
    {
        var (acks, control) = await Serve("RIG-REQ 2 pause us=1000");

        Assert.Equal(["stop", "cont"], control.Calls);
        Assert.Matches(@"^RIG-ACK 2 ok host_us=\d+$", Assert.Single(acks));
    }

    [Fact]
    public async Task Host_time_carries_the_hosts_raw_monotonic_clock()
    {
        var before = MonotonicRawClock.NowNs();
        var (acks, _) = await Serve("RIG-REQ 6 host-time");

        var ns = long.Parse(Assert.Single(acks).Split("mono_raw_ns=")[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(ns >= before, $"{ns} < {before}");
    }

    [Theory]
    [InlineData("RIG-REQ 8 format-disk", "RIG-ACK 8 err reason=unknown-action")]
    [InlineData("RIG-REQ 8 mce bank=x", "RIG-ACK 8 err reason=bad-request")]
    [InlineData("RIG-REQ 8 pause us=99999999999", "RIG-ACK 8 err reason=pause-too-long")]
    public async Task Requests_the_host_cannot_perform_get_an_error_ack_not_silence(string request, string ack)
    {
        var (acks, _) = await Serve(request);

        Assert.Equal([ack], acks);
    }

    [Fact]
    public async Task A_control_plane_that_times_out_is_answered_err_and_later_requests_are_served()
    {
        var (acks, control) = await Serve(new RecordingControlPlane(timesOut: "save a"), "RIG-REQ 1 snapshot-save name=a", "RIG-REQ 2 nmi");

        Assert.Equal(["RIG-ACK 1 err reason=control-plane-timeout", "RIG-ACK 2 ok"], acks);
        Assert.Equal(["save a", "inject-nmi"], control.Calls);
    }

    [Fact]
    public async Task A_control_plane_that_reports_a_failure_is_answered_err_and_later_requests_are_served()
    {
        var (acks, control) = await Serve(new RecordingControlPlane(fails: "save a"), "RIG-REQ 3 snapshot-save name=a", "RIG-REQ 4 nmi");

        Assert.Equal(["RIG-ACK 3 err reason=control-plane-failed", "RIG-ACK 4 ok"], acks);
        Assert.Equal(["save a", "inject-nmi"], control.Calls);
    }

    [Fact]
    public async Task Lines_that_are_not_requests_are_ignored()
    {
        var (acks, control) = await Serve("hello", "RIG-REQ x nmi", "RIG-REQ", "RIG-REQ 1");

        Assert.Empty(acks);
        Assert.Empty(control.Calls);
    }

    private static Task<(List<string> Acks, RecordingControlPlane Control)> Serve(params string[] requests) =>
        Serve(new RecordingControlPlane(), requests);

    /// <summary>Feeds the requests as the guest's side of COM2 and returns every ack the host wrote.</summary>
    private static async Task<(List<string> Acks, RecordingControlPlane Control)> Serve(RecordingControlPlane control, params string[] requests)
    {
        var guestToHost = new MemoryStream(Encoding.ASCII.GetBytes(string.Concat(requests.Select(r => r + "\n"))));
        var hostToGuest = new Pipe();
        var duplex = new DuplexStream(guestToHost, hostToGuest.Writer.AsStream());

        await new Com2Channel(duplex, control, new StandardHostActions()).ServeAsync(CancellationToken.None).WaitAsync(Bound);
        await hostToGuest.Writer.CompleteAsync();

        var reader = new BoundedLineReader(hostToGuest.Reader.AsStream());
        var acks = new List<string>();
        while (await reader.ReadLineAsync(CancellationToken.None) is { } line)
        {
            acks.Add(line);
        }

        return (acks, control);
    }
}
