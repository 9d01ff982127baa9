namespace FastDb.QueryEngine.Tests.Engine;

/// <summary>sqlite3's printf counts a precision in bytes (characters only with '!'), so %.Ns and %.Nq can end inside a
/// UTF-8 character; sqlite3 then returns those partial bytes, which FastDb's text cannot hold, so it refuses by name
/// (a cut on a character boundary is answered: the golden case Printf_counts_bytes_unless_the_bang_flag).</summary>
public class PrintfCutTests
{
    [Theory]
    [InlineData("SELECT printf('%.1s', 'éé');")]
    [InlineData("SELECT hex(printf('%.3s', 'ééé'));")]
    [InlineData("SELECT printf('%.1q', 'é');")]
    [InlineData("SELECT printf('%.1w', 'é');")]
    [InlineData("SELECT length(format('%.1s', '€'));")]
    public void A_precision_that_cuts_a_character_is_refused(string script)
    {
        var r = new Database().Execute(script + "\n");
        Assert.Equal("Parse error near line 1: " + Values.SqlPrintf.CutCharacterMessage + "\n", r.Body);
        Assert.Equal(1, r.ExitCode);
    }
}
