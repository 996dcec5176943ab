using NUnit.Framework.Interfaces;
using NUnit.Framework.Internal;

namespace Rig.Runner;

/// <summary>Selects exactly one row's test in a suite's tree, by NUnit's full name; its fixtures pass through it.</summary>
public sealed class RowFilter(CaseRow row) : TestFilter
{
    public override bool Match(ITest test) => !test.IsSuite && test.FullName == row.FullName;

    public override TNode AddToXml(TNode parentNode, bool recursive) => parentNode.AddElement("rig-row", row.Key);
}
