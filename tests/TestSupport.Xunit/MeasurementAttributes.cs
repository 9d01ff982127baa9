using Xunit;

namespace FastDb.TestSupport;

/// <summary>
/// When a measurement runs: only with FASTDB_MEASURE=1, since it prints figures for the README and takes seconds
/// of CPU rather than checking behaviour. Otherwise the test shows as skipped, with how to run it.
/// </summary>
public static class Measurement
{
    public const string Variable = "FASTDB_MEASURE";

    public static string? SkipReason => Environment.GetEnvironmentVariable(Variable) == "1" ? null
        : $"measurement: set {Variable}=1 to run it (and --logger \"console;verbosity=detailed\" to see its figures)";
}

/// <summary>A measurement-only fact: skipped unless FASTDB_MEASURE=1 (see <see cref="Measurement"/>).</summary>
public sealed class MeasurementFactAttribute : FactAttribute
{
    public MeasurementFactAttribute() => Skip = Measurement.SkipReason;
}

/// <summary>A measurement-only theory: skipped unless FASTDB_MEASURE=1 (see <see cref="Measurement"/>).</summary>
public sealed class MeasurementTheoryAttribute : TheoryAttribute
{
    public MeasurementTheoryAttribute() => Skip = Measurement.SkipReason;
}
