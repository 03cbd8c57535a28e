namespace Kernels.Tests.Surface;

/// <summary>Fixed cases of every public method for the cross-cutting tests: every option on, every output given.</summary>
internal static class SurfaceShapes
{
    /// <summary>
    /// (n, k or C, d): empty, single row/output/feature, odd sizes with row tails, the softmax layouts' 64/65 and
    /// 128/129 boundaries and a wide row, dense tiles beyond 16 rows and 16 features.
    /// </summary>
    public static readonly (int Rows, int Width, int Features)[] Shapes =
        [(0, 1, 0), (1, 1, 1), (3, 17, 5), (17, 9, 16), (33, 65, 3), (5, 129, 17), (2, 300, 1), (40, 3, 33)];

    /// <summary>The case of <paramref name="method"/> at <paramref name="shape"/>: weights, ∂X, focal γ and α and every softmax option set.</summary>
    public static FuzzCase Case(SurfaceMethod method, (int Rows, int Width, int Features) shape, ulong seed, Reduction reduction = Reduction.Mean)
    {
        bool labels = method.Family is SurfaceFamily.SoftmaxLabels or SurfaceFamily.DenseSoftmax;
        bool options = method.OptionalOutputs || method.Family == SurfaceFamily.DenseSoftmax;
        float[] all = [.. SoftmaxOptionTable.All.Select(o => o.Values[0])];
        return new FuzzCase(
            method.Name, shape.Rows, shape.Width, shape.Features, reduction, seed, SampleWeights: true, PositiveWeights: true,
            Gamma: method.Family == SurfaceFamily.Focal ? 2f : 0f, Alpha: method.Family == SurfaceFamily.Focal ? 0.25f : -1f,
            SoftmaxOptions: options ? SoftmaxOptionTable.Legalize(all, labels) : new float[all.Length]);
    }

    /// <summary>Every method at every shape (flat methods take n only: they run each distinct n once).</summary>
    public static IEnumerable<FuzzCase> All(SurfaceMethod method, ulong seed) =>
        Shapes.Select((shape, i) => Case(method, shape, seed + (ulong)i, i % 2 == 0 ? Reduction.Mean : Reduction.Sum));
}
