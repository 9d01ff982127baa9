using System.Globalization;

namespace FastDb.QueryEngine.Tests.Differential;

/// <summary>
/// Blob values in the generated scripts: INSERTs of X'..' literals (so the other statements meet stored blobs in
/// WHERE, ORDER BY, GROUP BY, DISTINCT, UNIQUE columns and indexes, and in snapshots), and SELECTs of blob
/// expressions: typeof/length/hex/quote, comparisons with text and numbers, ||, CAST to and from BLOB, substr/instr,
/// zeroblob, randomblob (through length() and typeof() only: its bytes are its own), and the odd-digit literal's
/// error. Only blobs that are valid UTF-8 are stored or printed raw (FastDb refuses the others as text by name);
/// the others appear under hex(), quote(), length(), typeof() and CAST AS a number. Drawn and laid out from a stream
/// of its own, so the scripts of the other constructs stay as they were.
/// </summary>
public sealed partial class ScriptGenerator
{
    Random? _blobRandomField;
    Random BlobRandom => _blobRandomField ??= new Random(unchecked(_seed * 15485863 + 7));
    /// <summary>Positions of the statements drawn from <see cref="BlobRandom"/>.</summary>
    readonly HashSet<int> _blobStatements = [];

    /// <summary>Valid UTF-8 (NULs included: the shell prints up to the first), so safe to store and print.</summary>
    static readonly string[] TextBlobs =
        ["X''", "X'41'", "x'6162'", "X'3132'", "X'313233'", "X'2037'", "X'c3a9'", "X'00'", "X'4100'", "X'610062'", "X'31'", "X'2D33'", "X'312E35'", "X'62'", "X'0a41'"];
    /// <summary>ASCII only, so every piece substr cuts is UTF-8 too.</summary>
    static readonly string[] AsciiBlobs = ["X''", "X'41'", "x'6162'", "X'313233'", "X'610062'", "X'2D33'", "X'0a41'"];
    /// <summary>Not UTF-8: only under functions that read blobs as bytes or numbers.</summary>
    static readonly string[] ByteBlobs = ["X'FF'", "X'00FF'", "X'80'", "X'FEFF01'", "X'C3'", "X'ED9FBF'", "X'EDA080'"];

    /// <summary>After each main statement: now and then a blob INSERT or a blob SELECT.</summary>
    void AddBlobConstructs(List<List<string>> list)
    {
        int roll = BlobRandom.Next(100);
        if (roll < 5 && _tables.Count > 0)
        {
            _blobStatements.Add(list.Count);
            list.Add(WithRandom(BlobRandom, BlobInsert));
        }
        else if (roll < 11)
        {
            _blobStatements.Add(list.Count);
            list.Add(WithRandom(BlobRandom, BlobSelect));
        }
    }

    /// <summary>Draws with the main grammar's helpers, but from <paramref name="stream"/>.</summary>
    List<string> WithRandom(Random stream, Func<List<string>> draw)
    {
        var main = _random;
        _random = stream;
        try { return draw(); }
        finally { _random = main; }
    }

    /// <summary>INSERT of one or two rows whose values are mostly blob literals (keys still from ValueFor).</summary>
    List<string> BlobInsert()
    {
        var r = _random;
        var name = TableName();
        var columns = ColumnsOf(name);
        var tokens = new List<string> { "INSERT", "INTO", name, "VALUES" };
        _storing = true;
        for (int row = 0, rows = 1 + r.Next(2); row < rows; row++)
        {
            if (row > 0) tokens.Add(",");
            tokens.Add("(");
            if (columns.Count == 0) tokens.Add(Pick(r, TextBlobs));
            for (var i = 0; i < columns.Count; i++)
            {
                if (i > 0) tokens.Add(",");
                bool key = columns[i].PrimaryKey || columns[i].Unique;
                if ((key && Clean) || columns[i].IsRowid || r.Next(3) == 0) tokens.AddRange(ValueFor(columns[i]));
                else tokens.AddRange(StoredBlob());
            }
            tokens.Add(")");
        }
        _storing = false;
        tokens.Add(";");
        return tokens;
    }

    List<string> StoredBlob() => _random.Next(6) switch
    {
        0 => ["CAST", "(", Pick(_random, StringLiterals), "AS", "BLOB", ")"],
        1 => ["zeroblob", "(", Pick(_random, ["0", "1", "2"]), ")"],
        _ => [Pick(_random, TextBlobs)],
    };

    /// <summary>SELECT of blob expressions, over a table's columns or constants; rarely an odd-digit literal.</summary>
    List<string> BlobSelect()
    {
        var r = _random;
        if (!Clean && r.Next(25) == 0) return ["SELECT", Pick(r, ["X'ABC'", "x'zz'", "X'4'", "X'12 34'"]), ";"];
        string? table = _tables.Count > 0 && r.Next(3) > 0 ? TableName() : null;
        var columns = table == null ? [] : ColumnsOf(table);
        var items = new List<List<string>>();
        for (int i = 0, n = 1 + r.Next(4); i < n; i++) items.Add(BlobExpression(columns));
        var tokens = new List<string> { "SELECT" };
        tokens.AddRange(Join(items));
        if (table != null)
        {
            tokens.AddRange(["FROM", table]);
            if (columns.Count > 0 && r.Next(3) == 0)
                tokens.AddRange(["WHERE", Pick(r, columns).Name, Pick(r, ComparisonOperators), .. Printable(columns)]);
            if (columns.Count > 0 && r.Next(3) == 0) tokens.AddRange(["ORDER", "BY", Pick(r, columns).Name, Pick(r, ["ASC", "DESC", ""])]);
        }
        tokens.Add(";");
        return tokens;
    }

    /// <summary>A result column: printed as is only when its value is sure to be UTF-8 (or not a blob).</summary>
    List<string> BlobExpression(List<Column> columns)
    {
        var r = _random;
        return r.Next(9) switch
        {
            0 => [Pick(r, ["typeof", "length"]), "(", "randomblob", "(", Pick(r, ["0", "1", "5", "-2", "NULL", "'3'", "16"]), ")", ")"],
            1 => [Pick(r, ["typeof", "length"]), "(", .. AnyBlob(columns), ")"],
            2 => ["hex", "(", .. AnyBlob(columns), ")"],
            3 => ["quote", "(", .. AnyBlob(columns), ")"],
            4 => [.. Printable(columns), Pick(r, [.. ComparisonOperators, "IS", "IS NOT"]), .. Printable(columns)],
            5 => [.. Printable(columns), "||", .. Printable(columns)],
            6 => ["CAST", "(", .. AnyBlob(columns), "AS", Pick(r, ["INTEGER", "REAL", "NUMERIC", "INT"]), ")"],
            7 => [Pick(r, ["min", "max"]), "(", .. Printable(columns), ",", .. Printable(columns), ")"],
            _ => Printable(columns),
        };
    }

    /// <summary>A value whose text is valid UTF-8: a text blob, a column, or a function of them.</summary>
    List<string> Printable(List<Column> columns)
    {
        var r = _random;
        string Int(int low, int high) => r.Next(low, high + 1).ToString(CultureInfo.InvariantCulture);
        return r.Next(10) switch
        {
            0 when columns.Count > 0 => [Pick(r, columns).Name],
            1 when columns.Count > 0 => ["CAST", "(", Pick(r, columns).Name, "AS", "BLOB", ")"],
            2 => ["CAST", "(", .. Literal(r), "AS", Pick(r, ["BLOB", "TEXT"]), ")"],
            3 => ["zeroblob", "(", Pick(r, ["0", "1", "3", "-1", "'2'", "NULL", "2.5"]), ")"],
            4 => ["substr", "(", Pick(r, AsciiBlobs), ",", Int(-3, 4), .. (r.Next(2) == 0 ? new[] { ",", Int(-2, 3) } : []), ")"],
            5 => ["instr", "(", Pick(r, TextBlobs), ",", r.Next(2) == 0 ? Pick(r, TextBlobs) : Pick(r, StringLiterals), ")"],
            6 => [Pick(r, [.. StringLiterals, .. IntegerLiterals[..8], "NULL"])],
            _ => [Pick(r, TextBlobs)],
        };
    }

    /// <summary>Any blob, UTF-8 or not (randomblob's only under length() and typeof(), see BlobExpression).</summary>
    List<string> AnyBlob(List<Column> columns)
    {
        var r = _random;
        return r.Next(5) switch
        {
            0 => [Pick(r, ByteBlobs)],
            1 => ["substr", "(", Pick(r, ByteBlobs), ",", r.Next(-2, 3).ToString(CultureInfo.InvariantCulture), ")"],
            _ => Printable(columns),
        };
    }
}
