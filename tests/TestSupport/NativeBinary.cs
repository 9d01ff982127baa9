namespace FastDb.TestSupport;

/// <summary>
/// Where the native AOT binaries of this build are: native/ next to the test assembly, put there by
/// tests/NativeBinaries.targets after the build of a test project that imports it.
/// </summary>
public static class NativeBinary
{
    /// <summary>The path of the native executable <paramref name="name"/> (sqlcluster, fastdb); throws if it was not built.</summary>
    public static string Path(string name)
    {
        var path = System.IO.Path.Combine(AppContext.BaseDirectory, "native", name);
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"the native {name} is not at {path}: the test project's build publishes it (tests/NativeBinaries.targets); "
                + "is a C linker (clang or gcc) installed?", path);
        return path;
    }
}
