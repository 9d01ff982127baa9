using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Shell;

/// <summary>
/// SQLite 3.40.1's "%!.20g" (what the shell's insert and json modes print a REAL with), digit for digit. SQLite
/// computes those digits in the C compiler's long double, which on x86-64 Linux is the x87 80-bit format (64-bit
/// significand, round to nearest even); beyond the 17th digit they are artifacts of that arithmetic (1e300 prints
/// as 1.0000000000000000047e+300, not the exact ...0525e+300), so the algorithm is replayed in a software 80-bit float (<see cref="SqlPrintf"/>).
/// </summary>
public static class ExtendedPrecisionReal
{
    /// <summary>printf("%!.20g", value) as SQLite 3.40.1 writes it (finite values; the shell spells infinities itself).</summary>
    public static string Format20(double value) => SqlPrintf.Real(value, 'g', 20, altForm2: true);
}
