namespace Rig.Guest;

public enum Verdict
{
    Ok,
    Fail,
    Skip,
    Error,
}

/// <summary>
/// RIG records on COM1 (docs/protocol.md). Start a record, add `key=value` fields to the returned line, and
/// <see cref="Emit"/> it. Verdicts are counted: the exit status is 2 after any error, else 1 after any fail.
/// </summary>
public static unsafe class Report
{
    private static ulong failures;
    private static ulong errors;

    public static Line Start(Verdict verdict, string name)
    {
        Line line = default;
        line.Text("RIG ");
        line.Text(verdict switch { Verdict.Ok => "ok", Verdict.Fail => "fail", Verdict.Skip => "skip", _ => "error" });
        line.Byte((byte)' ');
        line.Text(name);
        if (verdict == Verdict.Fail)
        {
            fixed (ulong* f = &failures)
            {
                Atomic.FetchAdd(f, 1);
            }
        }
        else if (verdict == Verdict.Error)
        {
            fixed (ulong* e = &errors)
            {
                Atomic.FetchAdd(e, 1);
            }
        }
        return line;
    }

    public static void Emit(ref Line line) => Console.Write(ref line);

    public static void Ok(string name)
    {
        Line line = Start(Verdict.Ok, name);
        Emit(ref line);
    }

    /// <summary>`RIG skip name reason=...`: the target lacks what the check needs.</summary>
    public static void Skip(string name, string reason)
    {
        Line line = Start(Verdict.Skip, name);
        line.TextField("reason", reason);
        Emit(ref line);
    }

    public static void Fail(string name, string reason)
    {
        Line line = Start(Verdict.Fail, name);
        line.TextField("reason", reason);
        Emit(ref line);
    }

    /// <summary>`RIG metric case name=value unit=unit`: one sample of a distribution.</summary>
    public static void Metric(string name, string metric, ulong value, string unit)
    {
        Line line = default;
        line.Text("RIG metric ");
        line.Text(name);
        line.Field(metric, value);
        line.TextField("unit", unit);
        Emit(ref line);
    }

    /// <summary>`RIG sample-buffer gpa=.. len=.. kind=.. case=.. stride=..`: bulk data left in guest memory.</summary>
    public static void SampleBuffer(string name, ulong gpa, ulong length, string kind, ulong stride)
    {
        Line line = default;
        line.Text("RIG sample-buffer");
        line.HexField("gpa", gpa);
        line.Field("len", length);
        line.TextField("kind", kind);
        line.TextField("case", name);
        line.Field("stride", stride);
        Emit(ref line);
    }

    /// <summary>0 = all ok, 1 = a case failed, 2 = the probe hit an error (docs/protocol.md, Exit).</summary>
    internal static byte ExitStatus
    {
        get
        {
            fixed (ulong* e = &errors)
            fixed (ulong* f = &failures)
            {
                return Atomic.Load(e) != 0 ? (byte)2 : Atomic.Load(f) != 0 ? (byte)1 : (byte)0;
            }
        }
    }
}
