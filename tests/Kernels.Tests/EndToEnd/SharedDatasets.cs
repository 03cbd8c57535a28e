namespace Kernels.Tests.EndToEnd;

/// <summary>
/// Finds the public data sets of <c>../shared/datasets/</c>, the folder beside the repository's root. A plain clone
/// has no such folder: the tests that need a file then report themselves skipped, never passed.
/// </summary>
internal static class SharedDatasets
{
    /// <summary>The full path of <paramref name="fileName"/>; skips the calling test when the file is absent.</summary>
    public static string PathOrSkip(string fileName)
    {
        string? root = FindRepositoryRoot();
        if (root is null)
        {
            Assert.Skip($"No folder above {AppContext.BaseDirectory} holds Kernels.sln, so ../shared/datasets/{fileName} cannot be located.");
        }

        string path = Path.GetFullPath(Path.Combine(root, "..", "shared", "datasets", fileName));
        if (!File.Exists(path))
        {
            Assert.Skip($"{path} is absent (the shared data sets sit beside the repository, not in it).");
        }

        return path;
    }

    /// <summary>The nearest folder above the test binaries that holds <c>Kernels.sln</c>.</summary>
    private static string? FindRepositoryRoot()
    {
        for (DirectoryInfo? folder = new(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Kernels.sln")))
            {
                return folder.FullName;
            }
        }

        return null;
    }
}
