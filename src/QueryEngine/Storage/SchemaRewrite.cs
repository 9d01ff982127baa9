using FastDb.QueryEngine.Syntax;

namespace FastDb.QueryEngine.Storage;

/// <summary>
/// The edits ALTER TABLE makes to the CREATE texts sqlite_master keeps, token for token as SQLite 3.40.1's alter.c
/// makes them: ADD COLUMN splices ", def" in before the table constraints (their leading comma) or the closing ")";
/// RENAME TO replaces the table's name token with the new name double-quoted (renameEditSql with bQuote set);
/// RENAME COLUMN replaces each token naming the column with the new name, bare when the new name was written bare
/// and the old token starts with an identifier character, else double-quoted. Contract: the texts are ones FastDb
/// stored (a CREATE TABLE "CREATE TABLE name(...)" or a CREATE INDEX on bare column names), so their shape is known.
/// </summary>
public static class SchemaRewrite
{
    /// <summary>The offset of the table name token in a stored CREATE TABLE text.</summary>
    private const int TableNameOffset = 13;

    public static string Quote(string name) => "\"" + name.Replace("\"", "\"\"") + "\"";

    public static string AddColumn(string createTable, string columnText)
    {
        int at = ColumnListEnd(createTable);
        return createTable[..at] + ", " + columnText + createTable[at..];
    }

    public static string RenameTableInTable(string createTable, string newName)
    {
        var name = new Tokenizer(createTable, TableNameOffset).Next();
        return Replace(createTable, name, Quote(newName));
    }

    /// <summary>The tokens naming <paramref name="table"/> right after REFERENCES in a stored CREATE TABLE text.</summary>
    public static List<Token> ReferencesTo(string createTable, string table)
    {
        var hits = new List<Token>();
        var tz = new Tokenizer(createTable);
        for (var t = tz.Next(); t.Kind != TokenKind.End; t = tz.Next())
            if (t.Is("REFERENCES") && tz.Next() is var name && Names(createTable, name, table)) hits.Add(name);
        return hits;
    }

    /// <summary>True when a stored CREATE TABLE text declares a foreign key (REFERENCES, on a column or in FOREIGN KEY).</summary>
    public static bool HasForeignKey(string createTable)
    {
        var tz = new Tokenizer(createTable);
        for (var t = tz.Next(); t.Kind != TokenKind.End; t = tz.Next()) if (t.Is("REFERENCES")) return true;
        return false;
    }

    /// <summary>RENAME TO in another table's text (renameTableFunc): each REFERENCES old becomes the new name quoted.</summary>
    public static string RenameReferences(string createTable, string oldName, string newName)
    {
        var hits = ReferencesTo(createTable, oldName);
        var result = createTable;
        for (int i = hits.Count - 1; i >= 0; i--) result = Replace(result, hits[i], Quote(newName));
        return result;
    }

    public static string RenameTableInIndex(string createIndex, string newName) =>
        Replace(createIndex, IndexToken(createIndex), Quote(newName));

    public static string RenameColumnInTable(string createTable, string column, string newName, bool newQuoted)
    {
        var hits = new List<Token>();
        var tz = new Tokenizer(createTable, TableNameOffset);
        tz.Next(); // the table name
        tz.Next(); // "("
        var tokens = new List<Token>();
        for (var t = tz.Next(); t.Kind != TokenKind.End; t = tz.Next()) tokens.Add(t);
        int depth = 1, checkDepth = 0;
        bool itemStart = true, constraint = false, listName = false;
        for (int i = 0; i < tokens.Count; i++)
        {
            var t = tokens[i];
            // Inside a CHECK's parentheses every name of the column is a reference to it (renameColumnFunc walks the
            // expression), bare or quoted, qualified by the table or not; not a function's name, a qualifier, or a
            // string.
            if (checkDepth > 0 && depth >= checkDepth && t.Kind != TokenKind.String && Names(createTable, t, column)
                && (i + 1 >= tokens.Count || !(tokens[i + 1].IsOp("(") || tokens[i + 1].IsOp("."))))
                hits.Add(t);
            if (depth == 1 && t.Kind == TokenKind.Keyword && t.Text == "CHECK" && i + 1 < tokens.Count && tokens[i + 1].IsOp("(")) checkDepth = 2;
            if (depth == 1 && itemStart)
            {
                itemStart = false;
                constraint = t.Kind == TokenKind.Keyword && t.Text is "CONSTRAINT" or "PRIMARY" or "UNIQUE" or "CHECK" or "FOREIGN";
                if (!constraint && Names(createTable, t, column)) hits.Add(t);
            }
            else if (depth == 2 && constraint && listName)
            {
                listName = false;
                if (Names(createTable, t, column)) hits.Add(t);
            }
            if (t.IsOp("(")) { depth++; listName = constraint && depth == 2 && checkDepth == 0; }
            else if (t.IsOp(")"))
            {
                if (--depth == 0) break;
                if (depth < checkDepth) checkDepth = 0;
            }
            else if (t.IsOp(","))
            {
                if (depth == 1) itemStart = true;
                else if (depth == 2 && constraint && checkDepth == 0) listName = true;
            }
        }
        return ReplaceEach(createTable, hits, newName, newQuoted);
    }

    public static string RenameColumnInIndex(string createIndex, string column, string newName, bool newQuoted)
    {
        var hits = IndexColumnTokens(createIndex).FindAll(t => Names(createIndex, t, column));
        return hits.Count > 0 ? ReplaceEach(createIndex, hits, newName, newQuoted) : createIndex;
    }

    /// <summary>sqlite_drop_column: the column's definition cut from its name to the next column's name; the last
    /// one's from the comma before it (found by stepping back over characters, as SQLite does) to the table
    /// constraints' comma or the closing ")". <paramref name="broken"/>: that comma is not the one between the
    /// definitions but one in a comment after it, so the text is cut inside the comment, as SQLite cuts it.</summary>
    public static string DropColumn(string createTable, int column, out bool broken)
    {
        broken = false;
        var starts = ColumnStarts(createTable, out var separators);
        var name = starts[column];
        if (column < starts.Count - 1) return createTable[..name.Start] + createTable[starts[column + 1].Start..];
        int at = name.Start;
        while (at > 0 && createTable[at] != ',') at--;
        broken = at != separators[column - 1].Start;
        return createTable[..at] + createTable[ColumnListEnd(createTable)..];
    }

    /// <summary>The first token of each column definition, and the comma after each but the last.</summary>
    private static List<Token> ColumnStarts(string createTable, out List<Token> separators)
    {
        var starts = new List<Token>();
        separators = [];
        var tz = new Tokenizer(createTable, TableNameOffset);
        tz.Next(); // the table name
        tz.Next(); // "("
        int depth = 1;
        bool itemStart = true;
        while (true)
        {
            var t = tz.Next();
            if (t.Kind == TokenKind.End) break;
            if (depth == 1 && itemStart)
            {
                itemStart = false;
                if (t.Kind == TokenKind.Keyword && t.Text is "CONSTRAINT" or "PRIMARY" or "UNIQUE" or "CHECK" or "FOREIGN") break;
                starts.Add(t);
            }
            if (t.IsOp("(")) depth++;
            else if (t.IsOp(")")) { if (--depth == 0) break; }
            else if (t.IsOp(",") && depth == 1) { itemStart = true; separators.Add(t); }
        }
        return starts;
    }

    /// <summary>Where ADD COLUMN splices: the comma before the first table constraint, else the closing ")".</summary>
    private static int ColumnListEnd(string createTable)
    {
        var tz = new Tokenizer(createTable, TableNameOffset);
        tz.Next();
        tz.Next();
        int depth = 1;
        Token? comma = null;
        while (true)
        {
            var t = tz.Next();
            if (t.Kind == TokenKind.End) return createTable.Length;
            if (comma is { } c && t.Kind == TokenKind.Keyword && t.Text is "CONSTRAINT" or "PRIMARY" or "UNIQUE" or "CHECK" or "FOREIGN")
                return c.Start;
            comma = null;
            if (t.IsOp("(")) depth++;
            else if (t.IsOp(")") && --depth == 0) return t.Start;
            else if (t.IsOp(",") && depth == 1) comma = t;
        }
    }

    /// <summary>In "CREATE [UNIQUE] INDEX name ON table (column [ASC], ...)": the table token.</summary>
    private static Token IndexToken(string createIndex)
    {
        var tz = new Tokenizer(createIndex);
        Token t;
        do t = tz.Next(); while (!t.Is("ON") && t.Kind != TokenKind.End);
        return tz.Next();
    }

    /// <summary>How a stored CREATE INDEX spells <paramref name="column"/> in its list (dequoted), or null if it does not name it.</summary>
    public static string? IndexColumnNamed(string createIndex, string column)
    {
        foreach (var t in IndexColumnTokens(createIndex))
            if (Names(createIndex, t, column)) return t.Kind == TokenKind.Keyword ? createIndex.Substring(t.Start, t.Length) : t.Text;
        return null;
    }

    /// <summary>The column tokens of a stored CREATE INDEX: the first token of each item of its list.</summary>
    private static List<Token> IndexColumnTokens(string createIndex)
    {
        var tz = new Tokenizer(createIndex);
        Token t;
        do t = tz.Next(); while (!t.Is("ON") && t.Kind != TokenKind.End);
        tz.Next(); // the table
        tz.Next(); // "("
        var columns = new List<Token> { tz.Next() };
        while (true)
        {
            t = tz.Next();
            if (t.Kind == TokenKind.End || t.IsOp(")")) return columns;
            if (t.IsOp(",")) columns.Add(tz.Next());
        }
    }

    private static bool Names(string sql, Token t, string column)
    {
        string? name = t.Kind switch
        {
            TokenKind.Identifier or TokenKind.String => t.Text,
            TokenKind.Keyword => sql.Substring(t.Start, t.Length),
            _ => null,
        };
        return name != null && string.Equals(name, column, StringComparison.OrdinalIgnoreCase);
    }

    private static string ReplaceEach(string sql, List<Token> tokens, string newName, bool newQuoted)
    {
        var result = sql;
        for (int i = tokens.Count - 1; i >= 0; i--)
        {
            var t = tokens[i];
            char first = sql[t.Start];
            bool bare = !newQuoted && (char.IsAsciiLetterOrDigit(first) || first is '_' or '$' || first >= 0x80);
            result = Replace(result, t, bare ? newName : Quote(newName));
        }
        return result;
    }

    /// <summary>A quoted replacement right before a '"' keeps zQuot's trailing space (renameEditSql's nReplace++),
    /// so the two do not merge into one name.</summary>
    private static string Replace(string sql, Token t, string with)
    {
        int end = t.Start + t.Length;
        if (with.StartsWith('"') && end < sql.Length && sql[end] == '"') with += " ";
        return sql[..t.Start] + with + sql[end..];
    }
}
