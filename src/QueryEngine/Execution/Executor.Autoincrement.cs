using FastDb.QueryEngine.Storage;
using FastDb.QueryEngine.Syntax;
using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Execution;

/// <summary>AUTOINCREMENT as SQLite 3.40.1's autoinc code runs it for one INSERT: sqlite3AutoincrementBegin reads the
/// table's seq into a register before the statement runs (the first sqlite_sequence row, in rowid order, whose name
/// is the table's, integerified; 0 when there is none); each new row's OP_NewRowid takes max(largest rowid, seq) + 1
/// ("database or disk is full" when either is already the largest rowid) and an explicit rowid raises seq
/// (autoIncStep's OP_MemMax), both before the constraint checks, so a row OR IGNORE drops or an upsert turns into
/// its DO UPDATE still counts; sqlite3AutoincrementEnd writes seq back once the statement has run, if it grew or the
/// table had no row yet (appended with the next rowid). Those writes are nested: sqlite3_changes and
/// last_insert_rowid do not see them, the statement's undo and ROLLBACK do.</summary>
public sealed partial class Executor
{
    private sealed class AutoincrementState(Table table, Row? row, long seq)
    {
        public readonly Table Table = table;
        /// <summary>The table's sqlite_sequence row when the statement began (memId+1), or null.</summary>
        public readonly Row? Row = row;
        /// <summary>seq as read (memId+2); null when there was no row, which OP_Le never skips.</summary>
        public readonly long? Original = row == null ? null : seq;
        /// <summary>The register every new rowid passes (memId).</summary>
        public long Seq = seq;
    }

    /// <summary>The running INSERT's AUTOINCREMENT state, or null (no INSERT, or not into such a table).</summary>
    private AutoincrementState? _autoincrement;

    /// <summary>sqlite3AutoincrementBegin for an INSERT into <paramref name="table"/>, once it is prepared.</summary>
    private void AutoincrementBegin(Table table)
    {
        _autoincrement = null;
        if (!table.Autoincrement) return;
        var row = _catalog.Find(SequenceTable.Name) is { } sequence ? SequenceTable.RowOf(sequence, table.Name) : null;
        _autoincrement = new AutoincrementState(table, row, row == null ? 0 : row.Values[SequenceTable.SeqColumn].AsInteger());
    }

    /// <summary>OP_NewRowid's rowid for a row of <paramref name="table"/> without one: the largest plus one, and
    /// under AUTOINCREMENT at least seq plus one (seq then becomes it).</summary>
    private long AllocateRowId(Table table)
    {
        long max = table.MaxRowId;
        if (max == long.MaxValue) throw new SqlRuntimeException(EngineLimits.DatabaseFullMessage, EngineLimits.DatabaseFullCode);
        long rowId = max + 1;
        if (_autoincrement is { } a && ReferenceEquals(a.Table, table))
        {
            if (a.Seq == long.MaxValue) throw new SqlRuntimeException(EngineLimits.DatabaseFullMessage, EngineLimits.DatabaseFullCode);
            if (rowId < a.Seq + 1) rowId = a.Seq + 1;
            a.Seq = rowId;
        }
        return rowId;
    }

    /// <summary>autoIncStep: an explicit rowid raises seq (OP_MemMax).</summary>
    private void AutoincrementStep(Table table, long rowId)
    {
        if (_autoincrement is { } a && ReferenceEquals(a.Table, table) && rowId > a.Seq) a.Seq = rowId;
    }

    /// <summary>sqlite3AutoincrementEnd: "OP_Le memId+2 .. memId" skips the write when seq did not grow; otherwise
    /// the row found at the start is replaced by (name, seq), or a new one appended.</summary>
    private void AutoincrementEnd()
    {
        var a = _autoincrement;
        _autoincrement = null;
        if (a == null || (a.Original is long original && a.Seq <= original)) return;
        // The CREATE that set AUTOINCREMENT made the table, and nothing drops it; a snapshot keeps it.
        var sequence = _catalog.Find(SequenceTable.Name) ?? throw new InvalidOperationException("sqlite_sequence is missing");
        SqlValue[] values = [SqlValue.FromText(a.Table.Name), SqlValue.FromInteger(a.Seq)];
        if (a.Row != null && ReferenceEquals(sequence.FindByRowId(a.Row.RowId), a.Row))
        {
            TouchRow(sequence, a.Row, inserted: false);
            sequence.Remove(a.Row);
            _journal.Add(new Undo(UndoKind.Changed, sequence, a.Row, a.Row.RowId, a.Row.Values, Nested: true));
            a.Row.Values = values;
            sequence.Add(a.Row);
        }
        else
        {
            // OP_NewRowid on sqlite_sequence: past the largest rowid SQLite would pick one at random.
            if (sequence.MaxRowId == long.MaxValue)
                throw new SqlParseException("FastDb does not support sqlite_sequence holding the largest rowid");
            var row = new Row(sequence.MaxRowId + 1, values);
            TouchRow(sequence, row, inserted: true);
            sequence.Add(row);
            _journal.Add(new Undo(UndoKind.Added, sequence, row, 0, null, Nested: true));
        }
        _catalog.CheckSize();
    }

    /// <summary>The nested statements DROP TABLE and ALTER TABLE RENAME run on sqlite_sequence (sqlite3CodeDropTable's
    /// "DELETE FROM sqlite_sequence WHERE name=%Q", sqlite3AlterRenameTable's "UPDATE sqlite_sequence SET name=%Q
    /// WHERE name=%Q"): every row whose name is the table's. <paramref name="newName"/> null deletes them.</summary>
    private void RewriteSequenceRows(string tableName, string? newName)
    {
        if (_catalog.Find(SequenceTable.Name) is not { } sequence) return;
        foreach (var row in sequence.Rows.ToList())
        {
            if (!SequenceTable.Matches(row, tableName)) continue;
            TouchRow(sequence, row, inserted: false);
            if (newName == null) { sequence.Remove(row); continue; }
            sequence.Remove(row);
            row.Values = [SqlValue.FromText(newName), row.Values[SequenceTable.SeqColumn]];
            sequence.Add(row);
        }
    }

    /// <summary>sqlite3EndTable: the first AUTOINCREMENT table also creates sqlite_sequence, after its own rows.</summary>
    private void CreateSequenceTableFor(Table table)
    {
        if (!table.Autoincrement || _catalog.Find(SequenceTable.Name) != null) return;
        var sequence = SequenceTable.New();
        if (_catalog.Bytes + sequence.Bytes > EngineLimits.MaxDatabaseBytes)
            throw new SqlRuntimeException(EngineLimits.DatabaseFullMessage, EngineLimits.DatabaseFullCode);
        _catalog.Create(sequence, SequenceTable.Sql);
    }
}
