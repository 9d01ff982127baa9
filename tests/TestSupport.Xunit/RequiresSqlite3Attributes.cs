using Xunit;

namespace FastDb.TestSupport;

/// <summary>
/// When a test that compares with the sqlite3 shell runs. Where the shell is missing it shows as skipped, with the
/// reason, instead of passing without having compared anything. Under CI (CI=true) it runs anyway and fails loudly:
/// .ci/run installs the shell, so a missing one there is a broken install, not a reason for a green run.
/// </summary>
public static class Sqlite3Requirement
{
    public static string? SkipReason =>
        Sqlite3Shell.MissingReason is { } missing && Environment.GetEnvironmentVariable("CI") != "true" ? missing : null;
}

/// <summary>A fact that needs the sqlite3 shell: skipped with the reason where it is missing (see <see cref="Sqlite3Requirement"/>).</summary>
public sealed class RequiresSqlite3FactAttribute : FactAttribute
{
    public RequiresSqlite3FactAttribute() => Skip = Sqlite3Requirement.SkipReason;
}

/// <summary>A theory that needs the sqlite3 shell: skipped with the reason where it is missing (see <see cref="Sqlite3Requirement"/>).</summary>
public sealed class RequiresSqlite3TheoryAttribute : TheoryAttribute
{
    public RequiresSqlite3TheoryAttribute() => Skip = Sqlite3Requirement.SkipReason;
}
