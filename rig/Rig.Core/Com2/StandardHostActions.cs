using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Rig.Guest;
using Rig.Qmp;
using Rig.Targets;

namespace Rig.Com2;

/// <summary>
/// The standard actions of docs/protocol.md, done through the target's control plane:
/// reset, nmi, mce, pause, snapshot-save/revert, calibrate, calibration-period, host-time. Anything else is acknowledged
/// <c>err reason=unknown-action</c> so the probe reports skip instead of waiting forever.
/// </summary>
public sealed class StandardHostActions : IHostActionHandler
{
    /// <summary>Longest pause a probe may ask for; a hostile probe must not park the rig.</summary>
    public static readonly TimeSpan MaxPause = TimeSpan.FromSeconds(30);

    // snapshot name -> seq of the snapshot-save request, so a revert can answer the request the guest is back inside.
    private readonly ConcurrentDictionary<string, long> _saveSeqs = new(StringComparer.Ordinal);

    public async Task<HostAck?> HandleAsync(HostRequest request, IControlPlane control, CancellationToken cancellationToken)
    {
        try
        {
            return await PerformAsync(request, control, cancellationToken).ConfigureAwait(false);
        }
        catch (TargetUnsupportedException e)
        {
            return HostAck.Error(request.Seq, e.Reason);
        }
        catch (FormatException)
        {
            return HostAck.Error(request.Seq, "bad-request");
        }
        catch (QmpCommandException e)
        {
            return HostAck.Error(request.Seq, e.ErrorClass.Length > 0 ? e.ErrorClass : "qmp-error");
        }
    }

    private async Task<HostAck?> PerformAsync(HostRequest request, IControlPlane control, CancellationToken ct)
    {
        switch (request.Action)
        {
            case HostAction.Reset:
                await control.SystemResetAsync(ct).ConfigureAwait(false);
                return null;
            case HostAction.Nmi:
                await control.InjectNmiAsync(ct).ConfigureAwait(false);
                return HostAck.Success(request.Seq);
            case HostAction.Mce:
                await control.InjectMceAsync(
                    cpu: 0,
                    bank: checked((int)request.GetUInt64(HostAction.MceBank)),
                    status: request.GetUInt64(HostAction.MceStatus),
                    mcgStatus: request.GetUInt64(HostAction.MceMcgStatus),
                    address: request.GetUInt64(HostAction.MceAddress),
                    misc: request.GetUInt64(HostAction.MceMisc),
                    ct).ConfigureAwait(false);
                return HostAck.Success(request.Seq);
            case HostAction.Pause:
                return await PauseAsync(request, control, ct).ConfigureAwait(false);
            case HostAction.SnapshotSave:
                {
                    var name = request.GetString(HostAction.SnapshotName);
                    _saveSeqs[name] = request.Seq;
                    await control.SaveSnapshotAsync(name, ct).ConfigureAwait(false);
                    return HostAck.Success(request.Seq);
                }

            case HostAction.SnapshotRevert:
                {
                    var name = request.GetString(HostAction.SnapshotName);
                    bool calibrateDuring = request.Fields.ContainsKey(HostAction.CalibrateDuring) && request.GetUInt64(HostAction.CalibrateDuring) != 0;
                    await (calibrateDuring
                        ? control.RequireReference("calibrate inside a revert").RevertSnapshotCalibratingAsync(name, ct)
                        : control.RevertSnapshotAsync(name, ct)).ConfigureAwait(false);

                    // The guest now runs from inside its snapshot-save, waiting for that ack (docs/protocol.md).
                    return _saveSeqs.TryGetValue(name, out var saveSeq)
                        ? HostAck.Success(saveSeq, KeyValuePair.Create(HostAction.Reverted, "1"))
                        : HostAck.Error(request.Seq, "unknown-snapshot");
                }

            case HostAction.Calibrate:
                {
                    long count = await control.RequireReference("calibrate its clock").CalibrateClockAsync(ct).ConfigureAwait(false);
                    return HostAck.Success(request.Seq, KeyValuePair.Create(HostAction.Calibrations, count.ToString(CultureInfo.InvariantCulture)));
                }

            case HostAction.CalibrationPeriod:
                await control.RequireReference("set its calibration period").SetCalibrationPeriodAsync(TimeSpan.FromMicroseconds(request.GetUInt64(HostAction.Us)), ct).ConfigureAwait(false);
                return HostAck.Success(request.Seq);
            case HostAction.HostTime:
                return HostAck.Success(request.Seq, KeyValuePair.Create(HostAction.MonoRawNs, MonotonicRawClock.NowNs().ToString(CultureInfo.InvariantCulture)));
            default:
                return HostAck.Error(request.Seq, "unknown-action");
        }
    }

    private static async Task<HostAck> PauseAsync(HostRequest request, IControlPlane control, CancellationToken ct)
    {
        var wanted = TimeSpan.FromMicroseconds(request.GetUInt64(HostAction.Us));
        if (wanted > MaxPause)
        {
            return HostAck.Error(request.Seq, "pause-too-long");
        }

        var clock = Stopwatch.StartNew();
        await control.StopAsync(ct).ConfigureAwait(false);
        try
        {
            await Task.Delay(wanted, ct).ConfigureAwait(false);
        }
        finally
        {
            await control.ContAsync(CancellationToken.None).ConfigureAwait(false);
        }

        var hostUs = (long)clock.Elapsed.TotalMicroseconds;
        return HostAck.Success(request.Seq, KeyValuePair.Create(HostAction.PauseHostUs, hostUs.ToString(CultureInfo.InvariantCulture)));
    }
}
