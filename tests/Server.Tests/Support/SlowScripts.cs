namespace FastDb.Server.Tests.Support;

/// <summary>Scripts that take a node seconds to apply, for tests about what happens while it does.</summary>
public static class SlowScripts
{
    /// <summary>Creates the table <c>big(a INT)</c> with 10,000 rows, in ten requests.</summary>
    public static async Task CreateBigTableAsync(HttpClient client)
    {
        Assert.Equal(200, (await UnixHttp.PostSqlAsync(client, "CREATE TABLE big(a INT);")).Status);
        for (var k = 0; k < 10; k++)
        {
            var values = string.Join(",", Enumerable.Range(k * 1000, 1000).Select(i => $"({i})"));
            Assert.Equal(200, (await UnixHttp.PostSqlAsync(client, $"INSERT INTO big VALUES {values};")).Status);
        }
    }

    /// <summary>
    /// A SELECT that takes seconds on <c>big</c> (a balanced sum of 8,192 terms evaluated for each of its 10,000
    /// rows) and answers <c>9999</c>. Balanced, so its depth stays far below SQLite's expression depth limit.
    /// </summary>
    public static string SlowSelect()
    {
        static string Sum(int leaves) => leaves == 1 ? "a" : $"({Sum(leaves / 2)}+{Sum(leaves - leaves / 2)})";
        return $"SELECT count(*) FROM big WHERE {Sum(8192)} > 0;";
    }
}
