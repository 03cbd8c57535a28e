namespace Kernels.Tests.EndToEnd;

/// <summary>
/// The public data sets the end-to-end tests train on. They live in the repository (<c>tests/Kernels.Tests/Data/</c>,
/// provenance, licence and checksums in its README) and are copied next to the test binaries by the project file,
/// so every clone runs every test: a missing file is a failure, never a skip.
/// </summary>
internal static class TestDatasets
{
    /// <summary>The folder, under the test output, that holds the data sets.</summary>
    public const string Folder = "Data";

    /// <summary>The full path of <paramref name="fileName"/> in the test output.</summary>
    /// <param name="fileName">The data set's file name, e.g. <c>digits.csv</c>.</param>
    /// <returns>The path.</returns>
    /// <exception cref="FileNotFoundException">The file was not copied to the test output.</exception>
    public static string PathOf(string fileName)
    {
        string path = Path.Combine(AppContext.BaseDirectory, Folder, fileName);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"{path} is missing: tests/Kernels.Tests/Data/{fileName} should be copied to the test output.", path);
    }
}
