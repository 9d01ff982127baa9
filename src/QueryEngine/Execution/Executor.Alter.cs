using FastDb.QueryEngine.Storage;
using FastDb.QueryEngine.Syntax;
using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Execution;

/// <summary>ALTER TABLE as SQLite 3.40.1's alter.c runs it: its checks in its order (Parse errors; the ones it
/// raises by a nested SELECT on the table only when the table has rows, and the schema reload's, are Runtime
/// errors), then the CREATE texts rewritten (<see cref="SchemaRewrite"/>). Every change replaces the table's column
/// array, index objects and rows' value arrays instead of editing them, so ROLLBACK's checkpoint stays exact.</summary>
public sealed partial class Executor
{
    private void AlterTable(AlterTableStatement a)
    {
        switch (a.Action)
        {
            case AlterAction.AddColumn: AddColumn(a); break;
            case AlterAction.RenameTable: RenameTable(a); break;
            case AlterAction.DropColumn: DropColumn(a); break;
            default: RenameColumn(a); break;
        }
    }

    /// <summary>sqlite3 rewrites (or reloads and tests) the CHECK constraints' text along with the table's: FastDb
    /// does so for RENAME COLUMN only (SchemaRewrite.RenameColumnInTable), so RENAME TO and DROP COLUMN on a table
    /// with CHECK constraints are refused.</summary>
    private static void RefuseCheckRewrite(Table t, string action)
    {
        if (t.Checks.Count > 0) throw new SqlParseException("FastDb does not support ALTER TABLE ... " + action + " on a table with CHECK constraints yet");
    }

    private Table AlterableTable(string name)
    {
        if (SchemaTable.CanonicalName(name) is { } schema) throw new SqlParseException("table " + schema + " may not be altered");
        var t = _catalog.Find(name) ?? throw new SqlParseException("no such table: " + name);
        RefuseInternal(t);
        return t;
    }

    /// <summary>isAlterableTable: a table of the catalog named sqlite_* is sqlite_sequence (named as stored).</summary>
    private static void RefuseInternal(Table t)
    {
        if (t.Name.StartsWith("sqlite_", StringComparison.OrdinalIgnoreCase)) throw new SqlParseException("table " + t.Name + " may not be altered");
    }

    private SchemaEntry TableEntry(Table t)
    {
        var entry = _catalog.Schema.Find(e => e.Type == "table" && string.Equals(e.Name, t.Name, StringComparison.OrdinalIgnoreCase));
        if (entry == null || !entry.SqlKnown || entry.Sql == null)
            throw new SqlParseException("FastDb does not support ALTER TABLE on tables restored from a version-1 snapshot");
        return entry;
    }

    private void AddColumn(AlterTableStatement a)
    {
        var t = AlterableTable(a.Table);
        var d = a.Column!;
        if (d.PrimaryKey) throw new SqlParseException("Cannot add a PRIMARY KEY column");
        if (d.Unique) throw new SqlParseException("Cannot add a UNIQUE column");
        // A literal NULL default counts as none (sqlite3AlterFinishAddColumn's pDflt = 0).
        bool nullDefault = d.Default == null || d.Default is LiteralExpr { Value.IsNull: true };
        if (t.Rows.Count > 0)
        {
            if (d.NotNull && nullDefault) throw new SqlRuntimeException("Cannot add a NOT NULL column with default value NULL", SqlRuntimeException.Error);
            if (!nullDefault && !a.DefaultIsValue) throw new SqlRuntimeException("Cannot add a column with non-constant default", SqlRuntimeException.Error);
        }
        if (!a.DefaultIsConstant) throw new SqlParseException("FastDb does not support a DEFAULT that is not constant (random(), ...)");
        if (t.Rows.Count > 0 && a.OldRowsDefaultUnknown)
            throw new SqlParseException("FastDb does not support ALTER TABLE ... ADD COLUMN with this DEFAULT on a table with rows");
        var entry = TableEntry(t);
        var column = TableFactory.CreateColumn(d);
        // Rows written before read the DEFAULT (SQLite's short records): FastDb stores it in them.
        var old = nullDefault ? SqlValue.Null : a.OldRowsDefault ?? column.Default;
        foreach (var row in t.Rows)
        {
            TouchRow(t, row, inserted: false);
            row.Values = [.. row.Values, old];
        }
        t.Columns = [.. t.Columns, column];
        t.ReplaceRows([.. t.Rows]);
        _catalog.Altered(t);
        _catalog.RewriteEntry(entry, entry.Name, entry.TableName, SchemaRewrite.AddColumn(entry.Sql!, a.ColumnText));
    }

    /// <summary>sqlite3AlterRenameTable: the table, a clash with any table or index (sqlite_master and sqlite_schema
    /// included), an internal table, a reserved new name; then tbl_name, the names of the automatic indexes and the
    /// CREATE texts of the table and its indexes.</summary>
    private void RenameTable(AlterTableStatement a)
    {
        string? schema = SchemaTable.CanonicalName(a.Table);
        var t = schema != null ? null : _catalog.Find(a.Table) ?? throw new SqlParseException("no such table: " + a.Table);
        if (_catalog.Exists(a.NewName) || _catalog.IndexExists(a.NewName) || SchemaTable.CanonicalName(a.NewName) == SchemaTable.MasterName)
            throw new SqlParseException("there is already another table or index with this name: " + a.NewName);
        if (t == null) throw new SqlParseException("table " + schema + " may not be altered");
        RefuseInternal(t);
        if (a.NewName.StartsWith("sqlite_", StringComparison.OrdinalIgnoreCase))
            throw new SqlParseException("object name reserved for internal use: " + a.NewName);
        TableEntry(t);
        RefuseCheckRewrite(t, "RENAME TO");
        string oldName = t.Name;
        // substr(name, nTabName+18): the old name's length in bytes, counted as characters.
        int suffix = System.Text.Encoding.UTF8.GetByteCount(oldName) + 17;
        foreach (var e in _catalog.Schema)
        {
            if (!string.Equals(e.TableName, oldName, StringComparison.OrdinalIgnoreCase)) continue;
            string name = e.Type == "table" ? a.NewName
                : e.Sql == null ? "sqlite_autoindex_" + a.NewName + (suffix < e.Name.Length ? e.Name[suffix..] : "")
                : e.Name;
            string? sql = e.Sql == null ? null
                : e.Type == "table" ? SchemaRewrite.RenameTableInTable(e.Sql, a.NewName)
                : SchemaRewrite.RenameTableInIndex(e.Sql, a.NewName);
            _catalog.RewriteEntry(e, name, a.NewName, sql);
        }
        // Foreign keys naming the table, in any table's text (its own too), follow the new name (never enforced).
        foreach (var e in _catalog.Schema.ToList())
        {
            if (e.Type != "table" || e.Sql == null) continue;
            string renamed = SchemaRewrite.RenameReferences(e.Sql, oldName, a.NewName);
            if (renamed != e.Sql) _catalog.RewriteEntry(e, e.Name, e.TableName, renamed);
        }
        _catalog.Altered(t, a.NewName);
        RebuildIndexes(t);
        RewriteSequenceRows(oldName, a.NewName); // whether or not t is AUTOINCREMENT, once sqlite_sequence exists
    }

    /// <summary>sqlite3AlterRenameColumn: the table, an internal table, the column ("no such column" quotes the
    /// token as written); a new name another column has fails the schema reload, naming the later of the two.</summary>
    private void RenameColumn(AlterTableStatement a)
    {
        var t = AlterableTable(a.Table);
        int index = t.ColumnIndex(a.OldColumn);
        if (index < 0) throw new SqlParseException("no such column: \"" + a.OldColumnToken + "\"", a.OldColumnOffset);
        var entry = TableEntry(t);
        // sqlite3 renames the column in foreign keys too: in the table's own (child columns) and in those naming the
        // table (parent columns). FastDb does not rewrite those yet.
        if (SchemaRewrite.HasForeignKey(entry.Sql!)
            || _catalog.Schema.Exists(e => e.Type == "table" && e.Sql != null && SchemaRewrite.ReferencesTo(e.Sql, t.Name).Count > 0))
            throw new SqlParseException("FastDb does not support RENAME COLUMN on a table with a foreign key or one a foreign key names yet");
        for (int i = 0; i < t.Columns.Length; i++)
        {
            if (i == index || !string.Equals(t.Columns[i].Name, a.NewName, StringComparison.OrdinalIgnoreCase)) continue;
            ResetSchemaInTransaction(); // renameColumnFunc fails after the schema was rewritten: it is reset (Executor.SchemaReset.cs)
            throw new SqlRuntimeException("error in table " + t.Name + " after rename: duplicate column name: "
                + (i > index ? t.Columns[i].Name : a.NewName), SqlRuntimeException.Error);
        }
        foreach (var e in _catalog.Schema)
        {
            if (e.Sql == null || !string.Equals(e.TableName, t.Name, StringComparison.OrdinalIgnoreCase)) continue;
            string sql = ReferenceEquals(e, entry)
                ? SchemaRewrite.RenameColumnInTable(e.Sql, a.OldColumn, a.NewName, a.NewNameQuoted)
                : SchemaRewrite.RenameColumnInIndex(e.Sql, a.OldColumn, a.NewName, a.NewNameQuoted);
            _catalog.RewriteEntry(e, e.Name, e.TableName, sql);
        }
        var columns = (Column[])t.Columns.Clone();
        var old = columns[index];
        columns[index] = new Column
        {
            Name = a.NewName, DeclaredType = old.DeclaredType, Affinity = old.Affinity, NotNull = old.NotNull,
            PrimaryKey = old.PrimaryKey, Unique = old.Unique, Default = old.Default, DefaultExpr = old.DefaultExpr,
            HasDefault = old.HasDefault, PerRowDefault = old.PerRowDefault,
        };
        t.Columns = columns;
        _catalog.Altered(t);
        RebuildIndexes(t);
        // The CHECKs' text was rewritten with the column's new name: their labels and bindings come from it again.
        if (t.Checks.Count > 0 && Parser.ParseOne(entry.Sql!, 0, _ => false, out _) is CreateTableStatement create)
            t.Checks = TableFactory.BindChecks(t, create);
    }

    /// <summary>sqlite3AlterDropColumn: the table, an internal table, the column ("no such column" quotes the token as
    /// written), a PRIMARY KEY column (COLFLAG_PRIMKEY: one named by the table's PRIMARY KEY too) or one declared
    /// UNIQUE on the column itself (COLFLAG_UNIQUE), the last column; then sqlite_drop_column's text, and the schema
    /// reload's test, in sqlite_master's order: the table's own text failing where a table constraint (UNIQUE (a),
    /// UNIQUE (a, b)) names the column, then a CREATE INDEX naming it (Runtime errors "error in table t after drop
    /// column: no such column: a", "error in index i after drop column: ..."); then every row loses the value.
    /// Neither changes() nor total_changes() counts the rows rewritten.</summary>
    private void DropColumn(AlterTableStatement a)
    {
        var t = AlterableTable(a.Table);
        int index = t.ColumnIndex(a.OldColumn);
        if (index < 0) throw new SqlParseException("no such column: \"" + a.OldColumnToken + "\"", a.OldColumnOffset);
        var entry = TableEntry(t);
        var create = Parser.ParseOne(entry.Sql!, 0, _ => false, out _) as CreateTableStatement
            ?? throw new InvalidOperationException("sqlite_master's CREATE text of table " + t.Name + " is no CREATE TABLE");
        var definition = create.Columns[index];
        bool columnUnique = create.IndexConstraints.Exists(k => !k.TableLevel && !k.PrimaryKey && string.Equals(k.Column, definition.Name, StringComparison.OrdinalIgnoreCase));
        if (definition.PrimaryKey || columnUnique)
            throw new SqlParseException("cannot drop " + (definition.PrimaryKey ? "PRIMARY KEY" : "UNIQUE") + " column: \"" + a.OldColumn + "\"");
        if (t.Columns.Length <= 1) throw new SqlParseException("cannot drop column \"" + a.OldColumn + "\": no other columns exist");
        string name = t.Columns[index].Name;
        foreach (var k in create.IndexConstraints)
            if (k.TableLevel && Array.Find(k.Columns, c => string.Equals(c, name, StringComparison.OrdinalIgnoreCase)) is { } named)
                throw new SqlRuntimeException("error in table " + t.Name + " after drop column: no such column: " + named, SqlRuntimeException.Error);
        foreach (var children in create.ForeignKeyColumns)
            if (Array.Find(children, c => string.Equals(c, name, StringComparison.OrdinalIgnoreCase)) is { } child)
                throw new SqlRuntimeException("error in table " + t.Name + " after drop column: unknown column \"" + child + "\" in foreign key definition", SqlRuntimeException.Error);
        RefuseCheckRewrite(t, "DROP COLUMN");
        foreach (var e in _catalog.Schema)
        {
            if (e.Type != "index" || e.Sql == null || !string.Equals(e.TableName, t.Name, StringComparison.OrdinalIgnoreCase)) continue;
            if (SchemaRewrite.IndexColumnNamed(e.Sql, name) is { } indexed)
                throw new SqlRuntimeException("error in index " + e.Name + " after drop column: no such column: " + indexed, SqlRuntimeException.Error);
        }
        string sql = SchemaRewrite.DropColumn(entry.Sql!, index, out bool broken);
        if (broken)
        {
            // Cut inside a comment: the reload cannot read the text ("incomplete input"), and the ALTER fails.
            try { Parser.ParseOne(sql, 0, _ => false, out _); }
            catch (SqlParseException e)
            {
                throw new SqlRuntimeException("error in table " + t.Name + " after drop column: " + e.Message, SqlRuntimeException.Error);
            }
            throw new SqlParseException("FastDb does not support DROP COLUMN of a last column with a comma in a comment before its name");
        }
        foreach (var row in t.Rows)
        {
            TouchRow(t, row, inserted: false);
            row.Values = [.. row.Values[..index], .. row.Values[(index + 1)..]];
        }
        var kept = new Column[t.Columns.Length - 1];
        Array.Copy(t.Columns, kept, index);
        Array.Copy(t.Columns, index + 1, kept, index, kept.Length - index);
        t.Columns = kept;
        if (t.RowIdColumn > index) t.RowIdColumn--;
        var rebuilt = t.Indexes.Select(ix => new UniqueIndex(Array.ConvertAll(ix.Columns, c => c > index ? c - 1 : c), ix.ConstraintName, ix.Unique, ix.Name, ix.Descending)).ToList();
        t.Indexes.Clear();
        t.Indexes.AddRange(rebuilt);
        t.ReplaceRows([.. t.Rows]);
        _catalog.Altered(t);
        _catalog.RewriteEntry(entry, entry.Name, entry.TableName, sql);
    }

    /// <summary>New index objects carrying the table's and columns' current names in their constraint names.</summary>
    private static void RebuildIndexes(Table t)
    {
        var rebuilt = t.Indexes.Select(ix => new UniqueIndex(ix.Columns, UniqueIndex.ConstraintNameOf(t, ix.Columns), ix.Unique, ix.Name, ix.Descending)).ToList();
        t.Indexes.Clear();
        t.Indexes.AddRange(rebuilt);
        t.ReplaceRows([.. t.Rows]);
    }
}
