using FastDb.QueryEngine.Storage;
using FastDb.QueryEngine.Syntax;
using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Execution;

// WHERE with an equality on a key: at most one row, found without a scan (what SQLite's plan does with the rowid or
// a UNIQUE index), so its order question does not arise.
public sealed partial class Executor
{
    /// <summary>
    /// When an AND term of WHERE is <c>key = constant</c> (either side) on the rowid, the INTEGER PRIMARY KEY or a
    /// column with a UNIQUE index, fetches that one row (the rowid by binary search, a unique column from its map)
    /// and keeps it if the whole WHERE accepts it. The constant is converted as the comparison converts it (the
    /// column's affinity: TEXT makes numbers text, numeric affinities make numeric text numbers). A map only answers
    /// when that conversion leaves the stored keys as they are; otherwise (a TEXT column against a numeric-affinity
    /// expression, say) this returns false and the caller scans. Constant terms were already tested.
    /// </summary>
    private bool TryKeyLookup(Table table, Expr where, List<Row> result)
    {
        var terms = new List<Expr>();
        SplitConjuncts(where, terms);
        foreach (var term in terms)
        {
            if (term is not BinaryExpr { Op: BinaryOp.Equal } eq) continue;
            var (key, other) = eq.Left is ColumnExpr l && eq.Right.IsConstant ? (l, eq.Right)
                : eq.Right is ColumnExpr r && eq.Left.IsConstant ? (r, eq.Left) : (null, null);
            if (key == null || other == null) continue;
            bool isRowId = key.IsRowId || key.Index < 0;
            var index = isRowId ? null : table.IndexOn(key.Index);
            if (!isRowId && index is not { Unique: true }) continue;
            var affinity = AffinityRules.ForComparison(key.Affinity, other.Affinity);
            if (!isRowId && !LeavesStoredKeys(key.Affinity, affinity)) continue;
            _context.Values = null;
            var probe = AffinityRules.ForCompare(affinity, other.Eval(_context));
            Row? hit;
            if (probe.IsNull) hit = null;
            else if (isRowId)
            {
                if (probe.Type != SqlType.Integer) continue; // a real or text rowid key: left to the scan
                hit = table.FindByRowId(probe.Integer);
            }
            else hit = index!.Map.TryGetValue(probe, out var found) ? found : null;
            if (hit != null)
            {
                _context.Values = hit.Values;
                _context.RowId = hit.RowId;
                var v = where.Eval(_context);
                if (!v.IsNull && Arithmetic.IsTrue(v)) result.Add(hit);
            }
            return true;
        }
        return false;
    }

    /// <summary>The comparison's conversion of a stored value of this column changes nothing: numeric affinity on a
    /// numeric column (its values are numbers or text that is not one), or the column's own affinity.</summary>
    internal static bool LeavesStoredKeys(Affinity column, Affinity comparison) =>
        comparison == column
        || (AffinityRules.IsNumeric(column) && AffinityRules.IsNumeric(comparison))
        || (column is Affinity.Blob or Affinity.None && comparison is Affinity.Blob or Affinity.None);
}
