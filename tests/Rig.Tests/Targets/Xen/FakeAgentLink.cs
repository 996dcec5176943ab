using System.IO.Pipes;
using System.Text;
using Rig.Targets.Xen;

namespace Rig.Tests.Targets.Xen;

/// <summary>A <see cref="Dom0Agent"/> wired to the test through two pipes: the test reads its commands and answers as rig-agent would.</summary>
public sealed class FakeAgentLink : IAsyncDisposable
{
    private readonly AnonymousPipeServerStream _toAgent = new(PipeDirection.Out);
    private readonly AnonymousPipeClientStream _commands;
    private readonly AnonymousPipeServerStream _fromAgent = new(PipeDirection.Out);
    private readonly AnonymousPipeClientStream _answers;

    public FakeAgentLink()
    {
        _commands = new AnonymousPipeClientStream(PipeDirection.In, _toAgent.ClientSafePipeHandle);
        _answers = new AnonymousPipeClientStream(PipeDirection.In, _fromAgent.ClientSafePipeHandle);
        Agent = new Dom0Agent(_answers, _toAgent);
    }

    public Dom0Agent Agent { get; }

    /// <summary>Reads one command line (up to '\n') as the agent's shell would.</summary>
    public async Task<string> ReadCommandAsync()
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (await _commands.ReadAsync(one).ConfigureAwait(false) == 1 && one[0] != '\n')
        {
            line.Append((char)one[0]);
        }

        return line.ToString();
    }

    /// <summary>Reads exactly <paramref name="count"/> payload bytes, as the agent's dd does.</summary>
    public async Task<string> ReadPayloadAsync(int count)
    {
        var buffer = new byte[count];
        await _commands.ReadExactlyAsync(buffer).ConfigureAwait(false);
        return Encoding.ASCII.GetString(buffer);
    }

    public async Task SayAsync(string line)
    {
        await _fromAgent.WriteAsync(Encoding.ASCII.GetBytes(line + "\n")).ConfigureAwait(false);
        await _fromAgent.FlushAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _fromAgent.DisposeAsync().ConfigureAwait(false);
        await Agent.DisposeAsync().ConfigureAwait(false);
        await _toAgent.DisposeAsync().ConfigureAwait(false);
        await _commands.DisposeAsync().ConfigureAwait(false);
        await _answers.DisposeAsync().ConfigureAwait(false);
    }
}
