using FastDb.QueryEngine.Tests.Support;

namespace FastDb.QueryEngine.Tests.Golden;

/// <summary>
/// Each golden case is checked twice: the inline text against the real shell (so the expectation itself is verified
/// whenever sqlite3 is installed), and the engine against the inline text (so the engine is held to it everywhere).
/// </summary>
public class GoldenTests
{
    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var golden in GoldenCases.All) data.Add(golden.Name);
        return data;
    }

    static GoldenCase Find(string name) => GoldenCases.All.Single(c => c.Name == name);

    [RequiresSqlite3Theory]
    [MemberData(nameof(Names))]
    public void Golden_text_is_what_sqlite3_prints(string name)
    {
        var golden = Find(name);
        OracleAssert.Equal(golden.Expected, Sqlite3Shell.Run(golden.Script), golden.Script,
            $"golden case {name}: the inline text is wrong", expectedName: "golden", actualName: "sqlite3");
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Engine_prints_the_golden_text(string name)
    {
        var golden = Find(name);
        OracleAssert.Equal(golden.Expected, OracleAssert.RunEngine(golden.Script), golden.Script,
            $"golden case {name}", expectedName: "golden", actualName: "engine");
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Engine_body_is_stdout_or_else_stderr_alone(string name)
    {
        var golden = Find(name);
        var result = new Database().Execute(golden.Script);
        Assert.Equal(golden.ExitCode == 0 ? golden.Stdout : golden.Stderr, result.Body);
    }

    [Fact]
    public void Case_names_are_unique()
    {
        Assert.Equal(GoldenCases.All.Length, GoldenCases.All.Select(c => c.Name).Distinct().Count());
    }
}
