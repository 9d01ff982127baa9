namespace FastDb.QueryEngine.Syntax;

/// <summary>SQLite's keyword list, split into words the grammar lets stand for a name ("fallback") and reserved words.</summary>
public static class Keywords
{
    private static readonly HashSet<string> All = new(StringComparer.Ordinal)
    {
        "ABORT","ACTION","ADD","AFTER","ALL","ALTER","ALWAYS","ANALYZE","AND","AS","ASC","ATTACH","AUTOINCREMENT",
        "BEFORE","BEGIN","BETWEEN","BY","CASCADE","CASE","CAST","CHECK","COLLATE","COLUMN","COMMIT","CONFLICT",
        "CONSTRAINT","CREATE","CROSS","CURRENT","CURRENT_DATE","CURRENT_TIME","CURRENT_TIMESTAMP","DATABASE","DEFAULT",
        "DEFERRABLE","DEFERRED","DELETE","DESC","DETACH","DISTINCT","DO","DROP","EACH","ELSE","END","ESCAPE","EXCEPT",
        "EXCLUDE","EXCLUSIVE","EXISTS","EXPLAIN","FAIL","FILTER","FIRST","FOLLOWING","FOR","FOREIGN","FROM","FULL",
        "GENERATED","GLOB","GROUP","GROUPS","HAVING","IF","IGNORE","IMMEDIATE","IN","INDEX","INDEXED","INITIALLY",
        "INNER","INSERT","INSTEAD","INTERSECT","INTO","IS","ISNULL","JOIN","KEY","LAST","LEFT","LIKE","LIMIT","MATCH",
        "MATERIALIZED","NATURAL","NO","NOT","NOTHING","NOTNULL","NULL","NULLS","OF","OFFSET","ON","OR","ORDER","OTHERS",
        "OUTER","OVER","PARTITION","PLAN","PRAGMA","PRECEDING","PRIMARY","QUERY","RAISE","RANGE","RECURSIVE",
        "REFERENCES","REGEXP","REINDEX","RELEASE","RENAME","REPLACE","RESTRICT","RETURNING","RIGHT","ROLLBACK","ROW",
        "ROWS","SAVEPOINT","SELECT","SET","TABLE","TEMP","TEMPORARY","THEN","TIES","TO","TRANSACTION","TRIGGER",
        "UNBOUNDED","UNION","UNIQUE","UPDATE","USING","VACUUM","VALUES","VIEW","VIRTUAL","WHEN","WHERE","WINDOW","WITH",
        "WITHOUT",
    };

    /// <summary>Keywords that %fallback ID in parse.y: usable as table/column names.</summary>
    private static readonly HashSet<string> Fallback = new(StringComparer.Ordinal)
    {
        "ABORT","ACTION","AFTER","ANALYZE","ASC","ATTACH","BEFORE","BEGIN","BY","CASCADE","CAST","COLUMN","CONFLICT",
        "DATABASE","DEFERRED","DESC","DETACH","DO","EACH","END","EXCLUSIVE","EXPLAIN","FAIL","FOR","IGNORE","IMMEDIATE",
        "INITIALLY","INSTEAD","LIKE","GLOB","MATCH","REGEXP","NO","PLAN","QUERY","KEY","OF","OFFSET","PRAGMA","RAISE",
        "RECURSIVE","RELEASE","REPLACE","RESTRICT","ROW","ROWS","SAVEPOINT","TEMP","TEMPORARY","TRIGGER","VACUUM",
        "VIEW","VIRTUAL","WITH","WITHOUT","NULLS","FIRST","LAST","CURRENT","FOLLOWING","PARTITION","PRECEDING","RANGE",
        "UNBOUNDED","EXCLUDE","GROUPS","OTHERS","TIES","GENERATED","ALWAYS","MATERIALIZED","REINDEX","RENAME",
        "CURRENT_TIME","CURRENT_DATE","CURRENT_TIMESTAMP","IF","WINDOW","OVER","FILTER",
    };

    public static bool IsKeyword(string upper) => All.Contains(upper);
    public static bool CanBeName(string upper) => Fallback.Contains(upper);
}
