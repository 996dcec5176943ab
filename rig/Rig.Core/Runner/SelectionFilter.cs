using NUnit.Framework.Interfaces;
using NUnit.Framework.Internal;

namespace Rig.Runner;

/// <summary>Applies a <see cref="CaseSelection"/> to NUnit's test tree: leaves decide, fixtures pass through their leaves.</summary>
public sealed class SelectionFilter(string suite, CaseSelection selection) : TestFilter
{
    public override bool Match(ITest test) =>
        !test.IsSuite && selection.Selects(suite, test.ClassName ?? "", test.MethodName ?? test.Name, test.FullName, TargetOf(test));

    public override TNode AddToXml(TNode parentNode, bool recursive) => parentNode.AddElement("rig-selection", suite);

    /// <summary>The target row of a case: its first argument, by the ConfiguredTargets convention.</summary>
    public static string? TargetOf(ITest test) => test.Arguments is [string target, ..] ? target : null;
}
