using FastDb.QueryEngine;
using FastDb.Server.Http;

namespace FastDb.Server.Tests.Unit;

/// <summary>
/// Document commands are SQL scripts on a reserved table: these run them through the real engine (as the state
/// machine does, with octopus's extra ";") and check what comes back.
/// </summary>
public sealed class DocumentCommandTests
{
    private const string Key = "3f2b8c1e-9a4d-4c7e-8b1a-0d2e3f4a5b6c";

    private static DocumentResult Run(Database database, DocumentCommandKind kind, string key, string? json = null)
    {
        var command = new DocumentCommand(kind, key, json);
        return command.Interpret(database.Execute(command.ToScript() + ";").Body);
    }

    [Theory]
    [InlineData("3f2b8c1e-9a4d-4c7e-8b1a-0d2e3f4a5b6c", true)]
    [InlineData("3F2B8C1E-9A4D-4C7E-BB1A-0D2E3F4A5B6C", true)]   // upper case, variant b
    [InlineData("3f2b8c1e-9a4d-1c7e-8b1a-0d2e3f4a5b6c", false)]  // version 1
    [InlineData("3f2b8c1e-9a4d-4c7e-cb1a-0d2e3f4a5b6c", false)]  // variant c (Microsoft's)
    [InlineData("3f2b8c1e9a4d4c7e8b1a0d2e3f4a5b6c", false)]      // no dashes
    [InlineData("{3f2b8c1e-9a4d-4c7e-8b1a-0d2e3f4a5b6c}", false)]
    [InlineData("3f2b8c1e-9a4d-4c7e-8b1a-0d2e3f4a5b6g", false)]
    [InlineData("3f2b8c1e-9a4d-4c7e-8b1a-0d2e3f4a5b6'", false)]  // a quote can never reach the SQL
    [InlineData("", false)]
    public void Keys_MustBeCanonicalUuid4(string text, bool valid)
    {
        Assert.Equal(valid, DocumentCommand.TryNormalizeKey(text, out var key));
        if (valid) Assert.Equal(text.ToLowerInvariant(), key);
    }

    [Theory]
    [InlineData("{\"a\": [1, 2, {\"b\": null}]}", true)]
    [InlineData("42", true)]
    [InlineData("\"text\"", true)]
    [InlineData("{\"a\": }", false)]
    [InlineData("{\"a\": 1,}", false)]       // trailing comma
    [InlineData("{} {}", false)]             // two values
    [InlineData("// c\n{}", false)]          // comment
    [InlineData("", false)]
    public void Values_MustBeOneJsonValue(string json, bool valid)
    {
        Assert.Equal(valid, DocumentCommand.TryValidateJson(System.Text.Encoding.UTF8.GetBytes(json), out var error));
        Assert.Equal(valid, error.Length == 0);
    }

    [Fact]
    public void SetGetDelete_CreateTheTableOnFirstUse_AndAnswerLikeAKeyValueStore()
    {
        var database = new Database();
        Assert.Equal(new DocumentResult(404, "Not found\n"), Run(database, DocumentCommandKind.Get, Key));
        Assert.Equal(new DocumentResult(201, "Created\n"), Run(database, DocumentCommandKind.Set, Key, "{\"name\": \"it's\"}"));
        Assert.Equal(new DocumentResult(200, "{\"name\": \"it's\"}\n"), Run(database, DocumentCommandKind.Get, Key));
        Assert.Equal(new DocumentResult(200, "Updated\n"), Run(database, DocumentCommandKind.Set, Key, "[1,\n2]"));
        Assert.Equal(new DocumentResult(200, "[1,\n2]\n"), Run(database, DocumentCommandKind.Get, Key));
        // Documents stay visible to SQL.
        Assert.Equal($"{Key}|[1,\n2]\n", database.Execute($"SELECT key, value FROM {DocumentCommand.Table};").Body);
        Assert.Equal(new DocumentResult(200, "Deleted\n"), Run(database, DocumentCommandKind.Delete, Key));
        Assert.Equal(new DocumentResult(404, "Not found\n"), Run(database, DocumentCommandKind.Delete, Key));
        Assert.Equal(new DocumentResult(404, "Not found\n"), Run(database, DocumentCommandKind.Get, Key));
    }

    [Fact]
    public void AReservedTableChangedBySql_IsAConflict_NotAWrongAnswer()
    {
        var database = new Database();
        database.Execute($"CREATE TABLE {DocumentCommand.Table} (key TEXT, value TEXT, extra INT NOT NULL);");
        var set = Run(database, DocumentCommandKind.Set, Key, "{}");
        Assert.Equal(409, set.Status);
        Assert.StartsWith($"Error: the reserved table {DocumentCommand.Table} did not take the command:", set.Text, StringComparison.Ordinal);
        Assert.Equal("", database.Execute($"SELECT * FROM {DocumentCommand.Table};").Body);
    }
}
