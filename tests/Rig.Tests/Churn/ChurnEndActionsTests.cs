using Rig.Churn;
using Rig.Com2;
using Rig.Tests.Targets;

namespace Rig.Tests.Churn;

public sealed class ChurnEndActionsTests
{
    private static HostRequest Request(string line) => HostRequest.TryParse(line)!;

    [Fact]
    public async Task ChurnEndIsAcknowledgedOnlyOnceTheChurnIsOver()
    {
        var over = new TaskCompletionSource();
        var handler = new ChurnEndActions(over.Task);

        var ack = handler.HandleAsync(Request("RIG-REQ 7 churn-end"), new RecordingControlPlane(), CancellationToken.None);
        await Task.Delay(50);
        Assert.False(ack.IsCompleted);

        over.SetResult();
        var done = await ack;
        Assert.Equal("RIG-ACK 7 ok", done!.ToWire());
    }

    [Fact]
    public async Task AnyOtherRequestIsAStandardAction()
    {
        var control = new RecordingControlPlane();
        var handler = new ChurnEndActions(new TaskCompletionSource().Task);

        var ack = await handler.HandleAsync(Request("RIG-REQ 3 pause us=1000"), control, CancellationToken.None);

        Assert.True(ack!.Ok);
        Assert.Contains("stop", control.Calls);
    }
}
