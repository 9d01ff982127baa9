using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Syntax;

/// <summary>
/// The math functions of SQLite 3.40.1's func.c (SQLITE_ENABLE_MATH_FUNCTIONS, on in the Debian shell) and sign().
/// Each argument goes through sqlite3_value_numeric_type first: a text that is a whole number becomes one (an integer
/// where it has an integer's shape and fits), and anything that is then neither an integer nor a real (NULL, a blob,
/// other text) makes the result NULL. The C library computes the results: .NET's Math calls the platform's libm, as
/// SQLite's do, so every digit is glibc's; a NaN result is NULL (sqlite3_result_double). A cluster therefore runs one
/// build on one C library on every node, as it must anyway (the README's "Versions in one cluster").
/// </summary>
public static class MathFunctions
{
    public static SqlValue Call(ScalarFunction function, ReadOnlySpan<SqlValue> a)
    {
        switch (function)
        {
            case ScalarFunction.Pi: return SqlValue.FromReal(Math.PI);
            case ScalarFunction.Ceil: return Rounding(a[0], Math.Ceiling);
            case ScalarFunction.Floor: return Rounding(a[0], Math.Floor);
            case ScalarFunction.Trunc: return Rounding(a[0], Math.Truncate);
            case ScalarFunction.Ln: case ScalarFunction.Log10: case ScalarFunction.Log2: case ScalarFunction.Log:
                return Log(function, a);
            case ScalarFunction.Pow: case ScalarFunction.Atan2: case ScalarFunction.Mod:
            {
                // math2Func: the first argument is checked before the second is looked at.
                if (!Numeric(a[0], out var x0) || !Numeric(a[1], out var x1)) return SqlValue.Null;
                double v0 = x0.AsReal(), v1 = x1.AsReal();
                return SqlValue.FromReal(function switch
                {
                    ScalarFunction.Pow => Math.Pow(v0, v1),
                    ScalarFunction.Atan2 => Math.Atan2(v0, v1),
                    _ => v0 % v1, // fmod: C#'s remainder of doubles is C's fmod
                });
            }
            case ScalarFunction.Sign:
            {
                // signFunc: an integer -1, 0 or +1 from the value as a double (so -0.0 is 0).
                if (!Numeric(a[0], out var n)) return SqlValue.Null;
                double x = n.AsReal();
                return SqlValue.FromInteger(x < 0.0 ? -1 : x > 0.0 ? 1 : 0);
            }
        }
        // math1Func.
        if (!Numeric(a[0], out var value)) return SqlValue.Null;
        double v = value.AsReal();
        return SqlValue.FromReal(function switch
        {
            ScalarFunction.Exp => Math.Exp(v),
            ScalarFunction.Sqrt => Math.Sqrt(v),
            ScalarFunction.Sin => Math.Sin(v),
            ScalarFunction.Cos => Math.Cos(v),
            ScalarFunction.Tan => Math.Tan(v),
            ScalarFunction.Asin => Math.Asin(v),
            ScalarFunction.Acos => Math.Acos(v),
            ScalarFunction.Atan => Math.Atan(v),
            ScalarFunction.Sinh => Math.Sinh(v),
            ScalarFunction.Cosh => Math.Cosh(v),
            ScalarFunction.Tanh => Math.Tanh(v),
            ScalarFunction.Asinh => Math.Asinh(v),
            ScalarFunction.Acosh => Math.Acosh(v),
            ScalarFunction.Atanh => Math.Atanh(v),
            ScalarFunction.Degrees => v * (180.0 / Math.PI), // radToDeg, the constant folded as C folds it
            ScalarFunction.Radians => v * (Math.PI / 180.0), // degToRad
            _ => throw new InvalidOperationException("not a math function: " + function),
        });
    }

    /// <summary>ceilingFunc (ceil, ceiling, floor, trunc): an integer is returned as it is, a real rounded.</summary>
    private static SqlValue Rounding(SqlValue arg, Func<double, double> round)
    {
        if (!Numeric(arg, out var n)) return SqlValue.Null;
        return n.Type == SqlType.Integer ? n : SqlValue.FromReal(round(n.Real));
    }

    /// <summary>logFunc: ln, log10 (log with one argument), log2 (both as ln(X) / ln(base)), and log(B, X) = ln(X) / ln(B). A non-positive X or
    /// ln(B) is NULL. With two arguments 3.40.1 checks the type of the first one twice, never the second's: X is read
    /// as a double whatever it is (NULL and non-numeric text are 0.0, so NULL again).</summary>
    private static SqlValue Log(ScalarFunction function, ReadOnlySpan<SqlValue> a)
    {
        if (!Numeric(a[0], out var first)) return SqlValue.Null;
        double x = first.AsReal();
        if (x <= 0.0) return SqlValue.Null;
        if (a.Length == 2)
        {
            double b = Math.Log(x);
            if (b <= 0.0) return SqlValue.Null;
            x = Numeric(a[1], out var second) ? second.AsReal() : a[1].AsReal();
            if (x <= 0.0) return SqlValue.Null;
            return SqlValue.FromReal(Math.Log(x) / b);
        }
        // 3.40.1 divides the natural logarithm (not C's log10()/log2(), which differ in the last bit: log2(2^62) is
        // 62.000000000000007 there, a REAL that a NUMERIC column keeps as REAL).
        return SqlValue.FromReal(function switch
        {
            ScalarFunction.Ln => Math.Log(x),
            ScalarFunction.Log2 => Math.Log(x) / Ln2,
            _ => Math.Log(x) / Ln10,
        });
    }

    private const double Ln2 = 0.693147180559945309417232121458176568;   // M_LN2
    private const double Ln10 = 2.30258509299404568401799145468436421;  // M_LN10

    /// <summary>sqlite3_value_numeric_type: true for an integer or a real, after numeric affinity on a text (a whole
    /// number only, integral reals kept real).</summary>
    private static bool Numeric(SqlValue v, out SqlValue number)
    {
        number = v;
        if (v.Type is SqlType.Integer or SqlType.Real) return true;
        return v.Type == SqlType.Text && NumericText.TryWholeNumber(v.Text!, false, out number);
    }
}
