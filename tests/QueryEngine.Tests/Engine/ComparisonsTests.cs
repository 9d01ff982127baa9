using FastDb.QueryEngine.Syntax;
using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Tests.Engine;

/// <summary>Comparisons.Compare gives each operator its own answer (NotEqual once fell through to >=).</summary>
public sealed class ComparisonsTests
{
    private static long? Compare(BinaryOp op, SqlValue a, SqlValue b, Affinity aAffinity = Affinity.Blob, Affinity bAffinity = Affinity.Blob)
    {
        var v = Comparisons.Compare(op, a, aAffinity, b, bAffinity);
        return v.IsNull ? null : v.Integer;
    }

    [Theory]
    [InlineData(BinaryOp.Equal, 1, 2, 0)]
    [InlineData(BinaryOp.NotEqual, 1, 2, 1)]
    [InlineData(BinaryOp.NotEqual, 2, 2, 0)]
    [InlineData(BinaryOp.NotEqual, 3, 2, 1)]
    [InlineData(BinaryOp.Less, 1, 2, 1)]
    [InlineData(BinaryOp.LessEqual, 2, 2, 1)]
    [InlineData(BinaryOp.Greater, 2, 2, 0)]
    [InlineData(BinaryOp.GreaterEqual, 2, 2, 1)]
    [InlineData(BinaryOp.GreaterEqual, 1, 2, 0)]
    public void Each_operator_answers_for_itself(BinaryOp op, long a, long b, long expected) =>
        Assert.Equal(expected, Compare(op, SqlValue.FromInteger(a), SqlValue.FromInteger(b)));

    [Fact]
    public void Null_compares_to_null_and_affinity_applies_first()
    {
        Assert.Null(Compare(BinaryOp.NotEqual, SqlValue.Null, SqlValue.FromInteger(1)));
        // '1' against 1 with a numeric column on one side: converted, so equal (sqlite3: SELECT '1' != CAST(1 AS INT) ... via a column).
        Assert.Equal(0, Compare(BinaryOp.NotEqual, SqlValue.FromText("1"), SqlValue.FromInteger(1), Affinity.Numeric, Affinity.Blob));
        // Without affinity, text is above every number.
        Assert.Equal(1, Compare(BinaryOp.NotEqual, SqlValue.FromText("1"), SqlValue.FromInteger(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Compare(BinaryOp.And, SqlValue.FromInteger(1), SqlValue.FromInteger(1)));
    }
}
