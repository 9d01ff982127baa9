namespace FastDb.QueryEngine.Tests.Differential;

/// <summary>
/// The scalar functions added for issue 18 in the generated scripts: likely, unlikely and likelihood (in result
/// columns, SET values and the WHERE of a SELECT without FROM, where no plan depends on them; elsewhere FastDb
/// refuses them by name), soundex, like()/glob() as functions, sha3 (through hex), the ieee754 family and
/// sqlite_source_id, over literals and the tables' columns, nested in one another. Unclean scripts add their
/// errors (a bad likelihood probability, a bad SHA3 size, a bad ESCAPE); clean ones keep to what
/// Microsoft.Data.Sqlite's library has too (likely and friends, like, glob). Never ieee754(M, E) with a column or
/// -2^63 as M: sqlite3 3.40.1 loops forever on that mantissa. Drawn and laid out from a stream of its own, so the
/// scripts of the other constructs stay as they were.
/// </summary>
public sealed partial class ScriptGenerator
{
    Random? _functionsRandomField;
    Random FunctionsRandom => _functionsRandomField ??= new Random(unchecked(_seed * 3010349 + 29));
    /// <summary>Positions of the statements drawn from <see cref="FunctionsRandom"/>.</summary>
    readonly HashSet<int> _functionsStatements = [];

    static readonly string[] Probabilities = ["0.5", "0.0", "1.0", ".25", "0.9375", "1e-3", "(0.5)"];
    static readonly string[] BadProbabilities = ["1", "1.5", "-0.5", "'0.5'", "NULL", "0"];
    static readonly string[] SoundexWords =
        ["'Robert'", "'Rupert'", "'Ashcraft'", "'Tymczak'", "'Pfister'", "'Lloyd'", "''", "'123'", "' éa'", "'aé'", "'gdb'", "'x y'", "'Honeyman'", "'zzz'", "'Ü'"];
    static readonly string[] Sha3Sizes = ["224", "256", "384", "512", "'256'", "256.5"];
    static readonly string[] BadSha3Sizes = ["0", "100", "NULL", "'x'"];
    static readonly string[] Ieee754Mantissas = ["0", "1", "-1", "3", "181", "-5", "9223372036854775807", "-9223372036854775807", "4503599627370496", "NULL", "'7'"];
    static readonly string[] Ieee754Exponents = ["0", "1", "-2", "-1074", "-1075", "1023", "1024", "5000", "-2000", "99999999999", "NULL", "'3'"];
    static readonly string[] Binary64Blobs = ["x'3ff0000000000000'", "x'8000000000000000'", "x'7ff8000000000001'", "x'0000000000000001'", "x'7ff0000000000000'", "x'00'", "x''", "x'c000000000000000'"];
    static readonly string[] LikePatterns = ["'a%'", "'%b%'", "'_'", "'A'", "'%'", "'a_c'", "''", "'1%'", "'x y'"];
    static readonly string[] GlobPatterns = ["'a*'", "'*b*'", "'?'", "'[a-c]*'", "'A'", "'*'", "'[^x]?'", "'1*'"];

    /// <summary>After each main statement: now and then a statement of these functions.</summary>
    void AddFunctions2Constructs(List<List<string>> list)
    {
        int roll = FunctionsRandom.Next(100);
        if (roll >= 7) return;
        _functionsStatements.Add(list.Count);
        list.Add(WithRandom(FunctionsRandom, roll switch
        {
            < 3 => FunctionsSelect,
            < 5 when _tables.Count > 0 => FunctionsTableSelect,
            < 7 when _tables.Count > 0 => FunctionsUpdate,
            _ => FunctionsSelect,
        }));
    }

    /// <summary>SELECT of function calls over literals, now and then with a WHERE of them (no FROM: no plan).</summary>
    List<string> FunctionsSelect()
    {
        var r = _random;
        var items = new List<List<string>>();
        for (int i = 0, n = 1 + r.Next(3); i < n; i++) items.Add(FunctionCall([], 0));
        List<string> tokens = ["SELECT", .. Join(items)];
        if (r.Next(4) == 0) tokens.AddRange(["WHERE", .. Hint(FunctionCall([], 1))]);
        tokens.Add(";");
        return tokens;
    }

    /// <summary>SELECT of function calls over a table's columns (result columns only: a likely() in WHERE or
    /// ORDER BY of a table that may have an index is refused), with a WHERE of other functions.</summary>
    List<string> FunctionsTableSelect()
    {
        var r = _random;
        var table = TableName();
        var columns = ColumnsOf(table);
        var items = new List<List<string>>();
        for (int i = 0, n = 1 + r.Next(3); i < n; i++) items.Add(FunctionCall(columns, 0));
        List<string> tokens = ["SELECT", .. Join(items), "FROM", table];
        if (columns.Count > 0 && r.Next(3) == 0 && !Clean)
        {
            var c = Pick(r, columns).Name;
            tokens.AddRange(r.Next(3) switch
            {
                0 => ["WHERE", "soundex", "(", c, ")", "<>", "'?000'"],
                // Not like()/glob(): they are the LIKE and GLOB operators, which FastDb refuses on an indexed column.
                1 => ["WHERE", "hex", "(", "sha3", "(", c, ")", ")", ">", Pick(r, ["'8'", "'A'", "''"])],
                _ => ["WHERE", "ieee754_exponent", "(", c, ")", "<", Pick(r, ["0", "-1075", "5"])],
            });
        }
        tokens.Add(";");
        return tokens;
    }

    /// <summary>UPDATE storing function results (soundex codes, digests, ieee754 texts) for the rest to read.</summary>
    List<string> FunctionsUpdate()
    {
        var r = _random;
        var table = TableName();
        var columns = ColumnsOf(table);
        if (columns.Count == 0) return FunctionsSelect();
        // Keys stay as they are in clean scripts: a soundex code or a digest could repeat.
        var target = Clean ? columns.Where(c => !c.PrimaryKey && !c.Unique && !c.NotNull).ToList() : columns;
        if (target.Count == 0) return FunctionsSelect();
        _storing = true;
        var value = Hint(FunctionCall(columns, 1));
        _storing = false;
        List<string> tokens = ["UPDATE", table, "SET", Pick(r, target).Name, "=", .. value];
        if (r.Next(2) == 0) tokens.AddRange(["WHERE", "rowid", "%", "2", "=", Pick(r, ["0", "1"])]);
        tokens.Add(";");
        return tokens;
    }

    /// <summary>The expression as it is, or inside likely(), unlikely() or likelihood(, P).</summary>
    List<string> Hint(List<string> inner)
    {
        var r = _random;
        return r.Next(4) switch
        {
            0 => ["likely", "(", .. inner, ")"],
            1 => ["unlikely", "(", .. inner, ")"],
            2 => ["likelihood", "(", .. inner, ",", !Clean && r.Next(8) == 0 ? Pick(r, BadProbabilities) : Pick(r, Probabilities), ")"],
            _ => inner,
        };
    }

    /// <summary>An argument: a column, a literal of the main grammar, or (nested) another call.</summary>
    List<string> FunctionArgument(List<Column> columns, int depth, string[] own)
    {
        var r = _random;
        int roll = r.Next(10);
        if (roll < 3 && columns.Count > 0) return [Pick(r, columns).Name];
        if (roll < 6) return [Pick(r, own)];
        if (roll < 8 && depth < 2) return FunctionCall(columns, depth + 1);
        return Literal();
    }

    /// <summary>One call of the new functions (a blob result through hex(), which prints it as text).</summary>
    List<string> FunctionCall(List<Column> columns, int depth)
    {
        var r = _random;
        int pick = r.Next(12);
        // Clean scripts are also run through Microsoft.Data.Sqlite, whose library has neither SQLITE_SOUNDEX nor the
        // shell's own functions: there, only likely() and friends, like(), glob(), typeof() and length().
        if (Clean && pick is 2 or 3 or 4 or 5 or 6 or 11) pick = Pick(r, [0, 1, 7, 8, 10]);
        switch (pick)
        {
            case 0: case 1: return Hint(FunctionArgument(columns, depth, SoundexWords));
            case 2: return ["soundex", "(", .. FunctionArgument(columns, depth, SoundexWords), ")"];
            case 3:
            {
                List<string> tokens = ["hex", "(", "sha3", "(", .. FunctionArgument(columns, depth, SoundexWords)];
                if (r.Next(2) == 0) tokens.AddRange([",", !Clean && r.Next(6) == 0 ? Pick(r, BadSha3Sizes) : Pick(r, Sha3Sizes)]);
                tokens.AddRange([")", ")"]);
                return tokens;
            }
            case 4:
                return [Pick(r, ["ieee754", "ieee754_mantissa", "ieee754_exponent"]), "(", .. FunctionArgument(columns, depth, [.. Binary64Blobs, .. RealLiterals]), ")"];
            case 5: // the mantissa only from the safe literals (see the summary)
                return ["ieee754", "(", Pick(r, Ieee754Mantissas), ",", .. FunctionArgument(columns, depth, Ieee754Exponents), ")"];
            case 6:
                return r.Next(2) == 0
                    ? ["hex", "(", "ieee754_to_blob", "(", .. FunctionArgument(columns, depth, [.. RealLiterals, .. IntegerLiterals]), ")", ")"]
                    : ["ieee754_from_blob", "(", .. FunctionArgument(columns, depth, Binary64Blobs), ")"];
            case 7:
            {
                List<string> tokens = ["like", "(", .. FunctionArgument(columns, depth, LikePatterns), ",", .. FunctionArgument(columns, depth, SoundexWords)];
                if (r.Next(4) == 0) tokens.AddRange([",", Clean ? Pick(r, ["'!'", "'a'", "NULL"]) : Pick(r, ["'!'", "'ab'", "''", "NULL"])]);
                tokens.Add(")");
                return tokens;
            }
            case 8: return ["glob", "(", .. FunctionArgument(columns, depth, GlobPatterns), ",", .. FunctionArgument(columns, depth, SoundexWords), ")"];
            case 9: return r.Next(3) == 0 && !Clean ? ["sqlite_source_id", "(", ")"] : ["typeof", "(", .. FunctionCall(columns, depth + 1), ")"];
            case 10: return ["length", "(", .. Hint(FunctionArgument(columns, depth, SoundexWords)), ")"];
            default: return ["soundex", "(", .. Hint(FunctionArgument(columns, depth, SoundexWords)), ")"];
        }
    }
}
