namespace FastDb.QueryEngine.Tests.Differential;

/// <summary>
/// AUTOINCREMENT and PRAGMA table_info, index_list, index_info and index_xinfo in the generated scripts, drawn and laid out from a stream of their own (so
/// every other stream draws what it drew before), each statement on its own line. One script in three gets the table
/// ai (AUTOINCREMENT on the column or as PRIMARY KEY (id AUTOINCREMENT)): inserts with and without ids (small, large,
/// negative, NULL; OR IGNORE, OR REPLACE, upserts, INSERT ... SELECT, DEFAULT VALUES), deletes, rowid updates,
/// reads and writes of sqlite_sequence, a savepoint rolled back, DROP and RENAME; the other families' BEGIN,
/// ROLLBACK and savepoints fall around them. Any script may ask PRAGMA table_info or index_list of its tables, index_info or index_xinfo of its indexes. Unless
/// <see cref="Clean"/>, also the errors: the largest rowid (SQLITE_FULL), an id that is no integer, DROP TABLE
/// sqlite_sequence. ai is dropped before it is first made, so scripts concatenated into one run stay independent.
/// </summary>
public sealed partial class ScriptGenerator
{
    Random? _autoincrementRandomField;
    Random AutoincrementRandom => _autoincrementRandomField ??= new Random(unchecked(_seed * 15485863 + 47));
    /// <summary>Positions of the statements drawn from <see cref="AutoincrementRandom"/> (laid out with it too).</summary>
    readonly HashSet<int> _autoincrementStatements = [];
    /// <summary>Null until decided: whether this script uses ai; then whether ai was made yet.</summary>
    bool? _autoincrementScript;
    bool _autoincrementMade;
    bool _autoincrementUnique;

    static readonly string[] AutoincrementIds = ["1", "2", "5", "10", "100", "-3", "0", "NULL", "1000000", "9223372036854775806"];
    static readonly string[] AutoincrementValues = ["1", "2", "'a'", "'b'", "NULL", "2.5", "'12'", "7"];
    static readonly string[] PragmaTables = ["ai", "t0", "t1", "ctf3", "'t0'", "\"ai\"", "sqlite_sequence", "sqlite_master", "nosuch", "ja", "jb"];
    static readonly string[] PragmaIndexes = ["i0", "i1", "i2", "'i3'", "jak", "\"jbv\"", "sqlite_autoindex_ai_1", "sqlite_autoindex_t0_1", "sqlite_autoindex_t1_2", "SQLITE_AUTOINDEX_CTF3_1", "t0", "nosuch"];

    void AddAutoincrementConstructs(List<List<string>> list)
    {
        var r = AutoincrementRandom;
        _autoincrementScript ??= r.Next(3) == 0;
        int roll = r.Next(100);
        List<string>? statement = null;
        if (roll < 3) statement = Pragma();
        else if (_autoincrementScript == true && roll < 15) statement = _autoincrementMade ? AutoincrementStatement() : CreateAutoincrementTable();
        if (statement == null) return;
        _autoincrementStatements.Add(list.Count);
        _ownLine.Add(list.Count);
        list.Add(statement);
    }

    /// <summary>PRAGMA table_info or index_list of a table, or index_info or index_xinfo of an index (CREATE INDEX's
    /// names, the joins' and the automatic ones; a table's name prints nothing).</summary>
    List<string> Pragma()
    {
        var r = AutoincrementRandom;
        var tokens = new List<string> { "PRAGMA" };
        if (r.Next(4) == 0) tokens.AddRange(["main", "."]);
        string pragma = Pick(r, ["table_info", "table_info", "index_list", "index_list", "index_info", "index_xinfo"]);
        tokens.Add(pragma);
        string table = Pick(r, pragma.StartsWith("table", StringComparison.Ordinal) || pragma == "index_list" ? PragmaTables : PragmaIndexes);
        if (r.Next(4) == 0) tokens.AddRange(["=", table]);
        else tokens.AddRange(["(", table, ")"]);
        tokens.Add(";");
        return tokens;
    }

    List<string> CreateAutoincrementTable()
    {
        var r = AutoincrementRandom;
        _autoincrementMade = true;
        _autoincrementUnique = r.Next(2) == 0;
        var tokens = new List<string> { "DROP", "TABLE", "IF", "EXISTS", "ai", ";", "CREATE", "TABLE", "ai", "(" };
        bool tableConstraint = r.Next(3) == 0;
        tokens.AddRange(tableConstraint ? ["id", "INTEGER"] : ["id", "INTEGER", "PRIMARY", "KEY", "AUTOINCREMENT"]);
        tokens.AddRange([",", "v"]);
        if (_autoincrementUnique) tokens.Add("UNIQUE");
        tokens.AddRange([",", "w", "DEFAULT", "0"]);
        if (tableConstraint) tokens.AddRange([",", "PRIMARY", "KEY", "(", "id", "AUTOINCREMENT", ")"]);
        tokens.AddRange([")", ";"]);
        return tokens;
    }

    List<string> AutoincrementStatement()
    {
        var r = AutoincrementRandom;
        int roll = r.Next(100);
        if (roll < 30) return AutoincrementInsert(withId: false);
        if (roll < 45) return AutoincrementInsert(withId: true);
        if (roll < 52) return ["DELETE", "FROM", "ai", "WHERE", "id", ">", Pick(r, ["0", "2", "5", "50"]), ";"];
        if (roll < 55) return ["DELETE", "FROM", "ai", ";"];
        if (roll < 59) return ["UPDATE", "ai", "SET", "id", "=", "id", "+", Pick(r, ["10", "100", "-1"]), "WHERE", "id", "=", Pick(r, ["1", "2", "3"]), ";"];
        if (roll < 70) return r.Next(2) == 0 ? ["SELECT", "*", "FROM", "sqlite_sequence", ";"] : ["SELECT", "rowid", ",", "*", "FROM", "ai", ";"];
        if (roll < 76)
        {
            return r.Next(3) switch
            {
                0 => ["UPDATE", "sqlite_sequence", "SET", "seq", "=", Pick(r, ["0", "3", "50", "-7", "NULL", "'9x'", "1.5"]), "WHERE", "name", "=", "'ai'", ";"],
                1 => ["DELETE", "FROM", "sqlite_sequence", "WHERE", "name", "=", "'ai'", ";"],
                _ => ["INSERT", "INTO", "sqlite_sequence", "VALUES", "(", Pick(r, ["'ai'", "'AI'", "'zz'"]), ",", Pick(r, ["20", "200", "1"]), ")", ";"],
            };
        }
        if (roll < 80)
            return ["SAVEPOINT", "ai_sp", ";", "INSERT", "INTO", "ai", "(", "w", ")", "VALUES", "(", "1", ")", ";",
                "SELECT", "*", "FROM", "sqlite_sequence", ";", "ROLLBACK", "TO", "ai_sp", ";", "RELEASE", "ai_sp", ";"];
        if (roll < 83) return ["INSERT", "INTO", "ai", "(", "v", ",", "w", ")", "SELECT", "v", ",", "w", "+", "1", "FROM", "ai", "WHERE", "id", "<", "3", ";"];
        if (roll < 85) return ["INSERT", "INTO", "ai", "DEFAULT", "VALUES", ";"];
        if (roll < 88) return ["ALTER", "TABLE", "ai", "RENAME", "TO", "air", ";", "ALTER", "TABLE", "air", "RENAME", "TO", "ai", ";"];
        if (roll < 91)
        {
            _autoincrementMade = false; // made again (after a DROP its sqlite_sequence row is gone)
            return ["DROP", "TABLE", "ai", ";", "SELECT", "*", "FROM", "sqlite_sequence", ";"];
        }
        if (Clean) return AutoincrementInsert(withId: false);
        return r.Next(3) switch
        {
            0 => ["INSERT", "INTO", "ai", "(", "id", ",", "w", ")", "VALUES", "(", "9223372036854775807", ",", "1", ")", ";",
                "INSERT", "INTO", "ai", "(", "w", ")", "VALUES", "(", "2", ")", ";"],
            1 => ["INSERT", "INTO", "ai", "(", "id", ")", "VALUES", "(", "'x'", ")", ";"],
            _ => ["DROP", "TABLE", "sqlite_sequence", ";"],
        };
    }

    List<string> AutoincrementInsert(bool withId)
    {
        var r = AutoincrementRandom;
        var tokens = new List<string> { "INSERT" };
        int conflict = r.Next(6);
        if (conflict == 0) tokens.AddRange(["OR", "IGNORE"]);
        else if (conflict == 1) tokens.AddRange(["OR", "REPLACE"]);
        tokens.AddRange(["INTO", "ai", "("]);
        if (withId) tokens.AddRange(["id", ","]);
        tokens.AddRange(["v", ",", "w", ")", "VALUES"]);
        int rows = 1 + (r.Next(3) == 0 ? r.Next(3) : 0);
        for (int i = 0; i < rows; i++)
        {
            if (i > 0) tokens.Add(",");
            tokens.Add("(");
            if (withId) tokens.AddRange([Pick(r, AutoincrementIds), ","]);
            tokens.AddRange([Pick(r, AutoincrementValues), ",", Pick(r, ["1", "2", "3"]), ")"]);
        }
        if (conflict >= 4 && _autoincrementUnique)
        {
            tokens.AddRange(["ON", "CONFLICT", "(", "v", ")"]);
            tokens.AddRange(r.Next(2) == 0 ? ["DO", "NOTHING"] : ["DO", "UPDATE", "SET", "w", "=", "w", "+", "10"]);
        }
        tokens.Add(";");
        return tokens;
    }
}
