using FastDb.QueryEngine.Tests.Support;

namespace FastDb.QueryEngine.Tests.Engine;

/// <summary>substr, replace, trim/ltrim/rtrim, instr, round, hex, quote, printf/format, char and unicode against the
/// real shell: argument conversions, NULLs, negative positions, multi-byte characters, the long-double digits of
/// printf's reals, its flags, widths and precisions, and the argument-count errors.</summary>
public class TextFunctionTests
{
    const string Table = "CREATE TABLE t(i INTEGER, r REAL, s TEXT, x);\n" +
        "INSERT INTO t VALUES(1, 1.5, 'héllo wörld', 'abc'), (NULL, NULL, NULL, NULL), (-3, 2.675, '  pad  ', 12), (42, 1e300, '', 0.1), (7, -0.0, 'it''s', -2.5);\n";

    public static TheoryData<string> Scripts() => new()
    {
        Table + "SELECT substr(s, 2), substr(s, 2, 3), substr(s, -3), substr(s, -3, 2), substr(s, 0), substr(s, 0, 2), substr(s, 3, -2), substr(s, -1, -3), substr(x, 2), substr(i, 1, 1), substring(s, 1, 4) FROM t;\n" +
        "SELECT substr('abcdef', 4294967298), substr('abcdef', 2, 4294967298), substr('abc', NULL), substr(NULL, 1), substr('abc', 1, NULL), substr('abc', -10, 12), substr('abc', 2, -5), substr(123.5, 2), substr('ab', 1.9), substr('abc', '2');\n" +
        "SELECT substr('a');\nSELECT substr('a', 1, 2, 3);\nSELECT substring();\n",
        Table + "SELECT replace(s, 'l', 'L'), replace(s, '', 'x'), typeof(replace(i, '', 'x')), replace(i, 2, 'two'), replace(x, 'b', NULL), replace(NULL, 'a', 'b'), replace(s, NULL, 'b'), replace(s, 'ö', 'oe') FROM t;\n" +
        "SELECT replace('aaaa', 'aa', 'b'), replace('abc', 'abc', ''), replace(1.5, '.', ','), replace('x', 'x', 1.0);\nSELECT replace('a', 'b');\n",
        Table + "SELECT '[' || trim(s) || ']', '[' || ltrim(s) || ']', '[' || rtrim(s) || ']', trim(s, 'hd'), ltrim(s, 'hé'), rtrim(s, 'dlr'), trim(x, '1'), trim(i, '-'), trim(s, NULL), trim(s, '') FROM t;\n" +
        "SELECT trim('xxaxx', 'x'), ltrim('ééaé', 'é'), rtrim(12.50, '0'), trim(NULL), trim('  ');\nSELECT trim();\nSELECT trim(1, 2, 3);\n",
        Table + "SELECT instr(s, 'l'), instr(s, 'wö'), instr(s, ''), instr(s, 'zz'), instr(x, 2), instr(i, 2), instr(NULL, 'a'), instr(s, NULL), instr(r, '.') FROM t;\nSELECT instr('a');\n",
        Table + "SELECT round(r), round(r, 1), round(r, 2), round(i), round(x, 1), round(s), typeof(round(i)), round(r, NULL), round(NULL, 2) FROM t;\n" +
        "SELECT round(2.5), round(-2.5), round(1.005, 2), round(0.5), round(1e20), round(-4503599627370497.5), round(2.675, 2), round(123.456, -1), round(1.23456789, 31), round(1.5, 4294967298), round('3.7');\n" +
        "SELECT round(1, 2, 3);\n",
        Table + "SELECT hex(s), hex(i), hex(r), hex(x), hex(NULL) = '' FROM t;\nSELECT hex();\n",
        Table + "SELECT quote(i), quote(r), quote(s), quote(x) FROM t;\n" +
        "SELECT quote(0.1 + 0.2), quote(1e300), quote(-1.23456789012345e-100), quote(1.0), quote(1e15), quote(123456789012345678), quote(''), quote('''');\n",
        Table + "SELECT char(72, 105), char(), char(233, 0x1F600), char(-1), char(1114112), char('65'), char(65.9), length(char(NULL)), unicode(s), unicode(x), unicode(''), unicode(NULL), unicode(i) FROM t LIMIT 3;\nSELECT unicode();\n",
        "SELECT printf('%5.2f|%-8d|%08.3e|%,d|%x|%#o|%c|%.3s|%q|%Q|%w|%!.3s|%r', 3.14159, 42, 12345.678, 1234567, 255, 8, 'hello', 'abcdef', 'it''s', NULL, 'a\"b', 'héllo', 22);\n" +
        "SELECT printf('%.20f', 0.1), printf('%e', 1e-300), printf('%g', 100000), printf('%g', 1000000), printf('%#g', 1.0), printf('%10.4s|', 'abcdefg'), printf('%+d % d', 5, 5), printf('%lld %ld', 5, 6), printf('%n'), printf('%p', 255);\n" +
        "SELECT printf('%.*f', 3, 2.0), printf('%*d|', -5, 3), printf('%i', '12abc'), printf('%s', 1.0), printf('%d', 1.9), printf('%.0f', 0.5), printf('%.0f', 1.5), printf('%.2f', 2.675), printf('%'), printf('abc%k def'), printf('%z %s %d', 'a', 2);\n" +
        "SELECT printf('%!.20g', 1e300), printf('%.15g', 0.1), printf('%!.15g', 100.0), printf('%.30f', 1.0 / 3), printf('%G', 1e-10), printf('%E', 123.456), printf('%020.5f', -3.5), printf('%-10.3f|', 2.0), printf('%+.3e', 0.0), printf('%f', 1e300);\n" +
        "SELECT printf('%d', 9223372036854775807), printf('%d', -9223372036854775808), printf('%u', -1), printf('%x', -1), printf('%X', 3054), printf('%#x', 0), printf('%.5d', 42), printf('%05d', -42), printf('%,d', -1234), printf('%,.8d', 12345);\n" +
        "SELECT printf('%5c|%-5c|%.3c', 'x', 'y', 'zq'), printf('%!5s|', 'é'), printf('%5s|', 'é'), printf('%.2q', 'a''b'), printf('%Q', 'x'), printf('%s %s', 'only'), printf(NULL), printf(), format('%d-%d', 1, 2), printf('%r %r %r %r %r', 1, 2, 3, 11, 112);\n" +
        "SELECT printf('%f', 1.0 / 0), printf('%e', -1e308 * 10), printf('%5.1f|', 1e308 * 10), printf('%T'), printf('a%Sb'), printf('%.3f', 0.0005), printf('%.0e', 15.0), printf('%g', 0.0001), printf('%g', 0.00001), printf('%#.3x', 1);\n",
        // Functions inside expressions and WHERE, over a table.
        Table + "SELECT i, printf('%05.1f', r), upper(substr(s, 1, 1)) || substr(s, 2) FROM t WHERE instr(s, 'l') > 0 OR i IS NULL;\n" +
        "SELECT count(*) FROM t WHERE round(r) = 2;\nSELECT quote(printf('%s', s)) FROM t;\n",
    };

    [RequiresSqlite3Theory]
    [MemberData(nameof(Scripts))]
    public void Matches_sqlite3(string script) => OracleAssert.EngineMatchesShell(script);

    /// <summary>Past the length limit printf() is NULL (sqlite3's StrAccum gives up without an error), while
    /// replace, hex and quote fail with TOOBIG; sqlite3 under FastDb's limit (".limit length 4194304") says the same.</summary>
    [RequiresSqlite3Fact]
    public void Past_the_value_limit_printf_is_null_and_the_others_too_big()
    {
        const string script = "SELECT printf('%5000000d', 1) IS NULL, printf('%2000000000d', 1) IS NULL, printf('%.*c', 5000000, 'x') IS NULL;\n" +
            "SELECT length(printf('%4000000d', 1));\nSELECT replace(printf('%3000000d', 1), ' ', '  ') IS NULL;\n" +
            "SELECT length(hex(printf('%3000000d', 1)));\nSELECT quote(printf('%4194303d', 1)) IS NULL;\n";
        var shell = Sqlite3Shell.Run(".limit length " + EngineLimits.MaxValueBytes + "\n" + script);
        var engine = OracleAssert.RunEngine(script);
        Assert.Equal(shell.Stdout[shell.Stdout.IndexOf('\n')..].TrimStart(' ', '\n'), engine.Stdout);
        var expectedErrors = shell.Stderr;
        for (int line = 2; line <= 6; line++) expectedErrors = expectedErrors.Replace($"line {line}:", $"line {line - 1}:");
        Assert.Equal(expectedErrors, engine.Stderr);
    }

    [Fact]
    public void Long_double_digits_match_the_shell_insert_mode_formatter()
    {
        Assert.Equal("1.0000000000000000047e+300", new Database().Execute("SELECT printf('%!.20g', 1e300);\n").Stdout.TrimEnd());
        Assert.Equal("0.10000000000000000556", new Database().Execute("SELECT printf('%!.20f', 0.1);\n").Stdout.TrimEnd());
    }
}
