namespace Kernels.Tests.Support;

/// <summary>The spans a public method can take. A span a method does not use, or an absent optional one, is empty.</summary>
internal enum KernelSpan
{
    Predictions,
    Targets,
    SampleWeights,
    PositiveWeights,
    Gradient,
    Losses,
}

/// <summary>The spans of one call, by role.</summary>
internal ref struct KernelBuffers
{
    public Span<float> Predictions;
    public Span<float> Targets;
    public Span<float> SampleWeights;
    public Span<float> PositiveWeights;
    public Span<float> Gradient;
    public Span<float> Losses;
}

/// <summary>Calls one public method on the buffers; returns its result (0 for the void <c>Losses</c> methods).</summary>
internal delegate float KernelCall(scoped in KernelBuffers buffers);

/// <summary>Where a test wants the span of <paramref name="role"/>, <paramref name="length"/> floats long.</summary>
internal delegate Span<float> SpanPlacement(KernelSpan role, int length);

/// <summary>What one call produced: the returned value and copies of the written outputs.</summary>
internal sealed record KernelResult(float Returned, float[] Gradient, float[] Losses);

/// <summary>
/// One way of calling a public method of a pointwise loss: which spans it reads and writes and how
/// long each is for n samples. Flat methods have <see cref="OutputCount"/> 0 (n elements); multi-output ones n×k.
/// </summary>
internal sealed record KernelCase(
    string Name, bool Probabilities, int OutputCount, bool SampleWeights, bool PositiveWeights, bool Gradient, bool Losses, KernelCall Call)
{
    public static readonly KernelSpan[] Roles = Enum.GetValues<KernelSpan>();

    public override string ToString() => Name;

    public int Length(KernelSpan role, int samples)
    {
        int elements = samples * int.Max(OutputCount, 1);
        return role switch
        {
            KernelSpan.Predictions or KernelSpan.Targets => elements,
            KernelSpan.SampleWeights => SampleWeights ? samples : 0,
            KernelSpan.PositiveWeights => PositiveWeights ? OutputCount : 0,
            KernelSpan.Gradient => Gradient ? elements : 0,
            _ => Losses ? samples : 0,
        };
    }

    /// <summary>
    /// The initial contents of every span for n samples, by role: inputs generated from <paramref name="seed"/>,
    /// outputs full of <see cref="KernelInputs.Sentinel"/>. Generated once, copied into each placement by <see cref="Run"/>.
    /// </summary>
    public float[][] Prepare(int samples, int seed)
    {
        float[][] arrays = [.. Roles.Select(role => new float[Length(role, samples)])];
        KernelInputs.Fill(Buffers(arrays, (role, length) => arrays[(int)role]), Probabilities, seed);
        return arrays;
    }

    /// <summary>Places every span with <paramref name="place"/>, copies the prepared contents in, and calls the method.</summary>
    public KernelResult Run(float[][] prepared, SpanPlacement place)
    {
        KernelBuffers buffers = Buffers(prepared, (role, length) =>
        {
            Span<float> span = place(role, length);
            prepared[(int)role].CopyTo(span);
            return span;
        });
        float returned = Call(buffers);
        return new KernelResult(returned, buffers.Gradient.ToArray(), buffers.Losses.ToArray());
    }

    private static KernelBuffers Buffers(float[][] prepared, SpanPlacement place) => new()
    {
        Predictions = place(KernelSpan.Predictions, prepared[(int)KernelSpan.Predictions].Length),
        Targets = place(KernelSpan.Targets, prepared[(int)KernelSpan.Targets].Length),
        SampleWeights = place(KernelSpan.SampleWeights, prepared[(int)KernelSpan.SampleWeights].Length),
        PositiveWeights = place(KernelSpan.PositiveWeights, prepared[(int)KernelSpan.PositiveWeights].Length),
        Gradient = place(KernelSpan.Gradient, prepared[(int)KernelSpan.Gradient].Length),
        Losses = place(KernelSpan.Losses, prepared[(int)KernelSpan.Losses].Length),
    };

    /// <summary>Ordinary managed arrays: the placement every other one is compared with.</summary>
    public static Span<float> Managed(KernelSpan role, int length) => new float[length];
}

/// <summary>
/// One way of calling a public dense-layer method (<see cref="DenseSigmoidCrossEntropy"/>,
/// <see cref="DenseSoftmaxCrossEntropy"/>): its spans are not those of <see cref="KernelCase"/>, so it runs on its own
/// seeded <see cref="DenseInputs"/> for an (n, d, k) shape and returns the cost with ∂W, ∂b and ∂X as the gradient.
/// </summary>
internal sealed record DenseKernelCase(string Name, bool InputGradient, bool Ignore, Func<DenseInputs, float> Call)
{
    public override string ToString() => Name;

    public KernelResult Run(int samples, int features, int outputs, int seed)
    {
        DenseInputs inputs = DenseInputs.Create(samples, features, outputs, seed, InputGradient, Ignore);
        return inputs.Result(Call(inputs));
    }
}

/// <summary>
/// Every public method of <see cref="BinaryCrossEntropy"/>, each overload with each reduction and weighting, of
/// <see cref="QuadraticCost"/>, which has the same flat shape and driver, and of <see cref="SoftmaxCrossEntropy"/>
/// (labels and probability targets, with options), for the guard-page, alignment and determinism tests; and, for the
/// determinism hash only, the dense layers (<see cref="DenseLayers"/>; their guard-page and alignment tests are their own).
/// </summary>
internal static class PublicKernels
{
    /// <summary>Outputs per sample for the multi-output overloads: k = 1 takes the flat path inside, 3 and 17 have row tails.</summary>
    public static readonly int[] OutputCounts = [1, 3, 17];

    /// <summary>Class counts for the softmax cases (all in the row-per-lane layout, C ≤ 64; wider rows are in <see cref="ExtraHashCases"/>).</summary>
    public static readonly int[] SoftmaxClassCounts = [1, 3, 17, 40];

    /// <summary>
    /// (n, d, k) of the dense-layer cases: an empty batch, single row/feature/output, odd sizes with row tails below
    /// the 16-row block and 32-row batch, k = 17 and 40 (a wide softmax row), d = 70 and 784 (wide ∂X tiles and the
    /// work space rented rather than stacked), and 1,100 rows (beyond one group of 32 blocks of 16 rows).
    /// </summary>
    public static readonly (int N, int D, int K)[] DenseShapes =
        [(0, 4, 3), (1, 1, 1), (37, 13, 3), (33, 17, 17), (64, 70, 10), (5, 784, 10), (20, 3, 40), (1100, 9, 4)];

    // Declared after the arrays above: static initializers run in textual order.
    public static IReadOnlyList<KernelCase> All { get; } = Build();

    /// <summary>The dense-layer methods, with each of their options, reductions, and with and without ∂X.</summary>
    public static IReadOnlyList<DenseKernelCase> DenseLayers { get; } = BuildDense();

    public static KernelCase Named(string name) => All.Single(c => c.Name == name);

    public static TheoryData<string> Names() => new(All.Select(c => c.Name));

    private static List<KernelCase> Build()
    {
        List<KernelCase> cases = [];
        void Add(string name, bool probabilities, int k, bool sw, bool pw, bool gradient, bool losses, KernelCall call) =>
            cases.Add(new KernelCase(name, probabilities, k, sw, pw, gradient, losses, call));

        foreach (Reduction r in new[] { Reduction.Sum, Reduction.Mean })
        {
            Add($"BinaryCrossEntropy.Cost/{r}", false, 0, false, false, false, false, (scoped in KernelBuffers b) =>
                BinaryCrossEntropy.Cost(b.Predictions, b.Targets, r));
            Add($"BinaryCrossEntropy.CostAndGradient/{r}", false, 0, false, false, true, false, (scoped in KernelBuffers b) =>
                BinaryCrossEntropy.CostAndGradient(b.Predictions, b.Targets, b.Gradient, r));
            Add($"BinaryCrossEntropy.CostAndGradient+losses/{r}", false, 0, false, false, true, true, (scoped in KernelBuffers b) =>
                BinaryCrossEntropy.CostAndGradient(b.Predictions, b.Targets, b.Gradient, b.Losses, r));
            Add($"QuadraticCost.Cost/{r}", false, 0, false, false, false, false, (scoped in KernelBuffers b) =>
                QuadraticCost.Cost(b.Predictions, b.Targets, r));
            Add($"QuadraticCost.CostAndGradient/{r}", false, 0, false, false, true, false, (scoped in KernelBuffers b) =>
                QuadraticCost.CostAndGradient(b.Predictions, b.Targets, b.Gradient, r));
            Add($"QuadraticCost.CostAndGradient+losses/{r}", false, 0, false, false, true, true, (scoped in KernelBuffers b) =>
                QuadraticCost.CostAndGradient(b.Predictions, b.Targets, b.Gradient, b.Losses, r));
            Add($"BinaryCrossEntropy.CostFromProbabilities/{r}", true, 0, false, false, false, false, (scoped in KernelBuffers b) =>
                BinaryCrossEntropy.CostFromProbabilities(b.Predictions, b.Targets, r));
            Add($"BinaryCrossEntropy.CostAndGradientFromProbabilities/{r}", true, 0, false, false, true, false, (scoped in KernelBuffers b) =>
                BinaryCrossEntropy.CostAndGradientFromProbabilities(b.Predictions, b.Targets, b.Gradient, r));
            Add($"BinaryCrossEntropy.CostAndGradientFromProbabilities+losses/{r}", true, 0, false, false, true, true, (scoped in KernelBuffers b) =>
                BinaryCrossEntropy.CostAndGradientFromProbabilities(b.Predictions, b.Targets, b.Gradient, b.Losses, r));
        }

        Add("QuadraticCost.Losses", false, 0, false, false, false, true, (scoped in KernelBuffers b) =>
        {
            QuadraticCost.Losses(b.Predictions, b.Targets, b.Losses);
            return 0f;
        });
        Add("BinaryCrossEntropy.Losses", false, 0, false, false, false, true, (scoped in KernelBuffers b) =>
        {
            BinaryCrossEntropy.Losses(b.Predictions, b.Targets, b.Losses);
            return 0f;
        });
        Add("BinaryCrossEntropy.LossesFromProbabilities", true, 0, false, false, false, true, (scoped in KernelBuffers b) =>
        {
            BinaryCrossEntropy.LossesFromProbabilities(b.Predictions, b.Targets, b.Losses);
            return 0f;
        });

        foreach (int k in OutputCounts)
        {
            foreach (bool sw in new[] { false, true })
            {
                foreach (bool pw in new[] { false, true })
                {
                    string weights = (sw ? " sw" : string.Empty) + (pw ? " pw" : string.Empty);
                    Add($"BinaryCrossEntropy.Losses k={k}{weights}", false, k, sw, pw, false, true, (scoped in KernelBuffers b) =>
                    {
                        BinaryCrossEntropy.Losses(b.Predictions, b.Targets, k, b.SampleWeights, b.PositiveWeights, b.Losses);
                        return 0f;
                    });
                    foreach (Reduction r in new[] { Reduction.Sum, Reduction.Mean })
                    {
                        Add($"BinaryCrossEntropy.Cost k={k}{weights}/{r}", false, k, sw, pw, false, false, (scoped in KernelBuffers b) =>
                            BinaryCrossEntropy.Cost(b.Predictions, b.Targets, k, b.SampleWeights, b.PositiveWeights, r));
                        foreach (bool losses in new[] { false, true })
                        {
                            Add($"BinaryCrossEntropy.CostAndGradient{(losses ? "+losses" : string.Empty)} k={k}{weights}/{r}", false, k, sw, pw, true, losses, (scoped in KernelBuffers b) =>
                                BinaryCrossEntropy.CostAndGradient(b.Predictions, b.Targets, k, b.SampleWeights, b.PositiveWeights, b.Gradient, b.Losses, r));
                        }
                    }
                }

                string w = sw ? " sw" : string.Empty;
                Add($"BinaryCrossEntropy.LossesFromProbabilities k={k}{w}", true, k, sw, false, false, true, (scoped in KernelBuffers b) =>
                {
                    BinaryCrossEntropy.LossesFromProbabilities(b.Predictions, b.Targets, k, b.SampleWeights, b.Losses);
                    return 0f;
                });
                foreach (Reduction r in new[] { Reduction.Sum, Reduction.Mean })
                {
                    Add($"BinaryCrossEntropy.CostFromProbabilities k={k}{w}/{r}", true, k, sw, false, false, false, (scoped in KernelBuffers b) =>
                        BinaryCrossEntropy.CostFromProbabilities(b.Predictions, b.Targets, k, b.SampleWeights, r));
                    foreach (bool losses in new[] { false, true })
                    {
                        Add($"BinaryCrossEntropy.CostAndGradientFromProbabilities{(losses ? "+losses" : string.Empty)} k={k}{w}/{r}", true, k, sw, false, true, losses, (scoped in KernelBuffers b) =>
                            BinaryCrossEntropy.CostAndGradientFromProbabilities(b.Predictions, b.Targets, k, b.SampleWeights, b.Gradient, b.Losses, r));
                    }
                }
            }
        }

        // Softmax cross-entropy: C classes play the role of k (all take the row-per-lane layout; see ExtraHashCases).
        // Labels are derived from the target rows inside the call; every float span goes through the placement.
        foreach (int c in SoftmaxClassCounts)
        {
            foreach (Reduction r in new[] { Reduction.Sum, Reduction.Mean })
            {
                Add($"SoftmaxCrossEntropy.Cost labels C={c}/{r}", false, c, false, false, false, false, (scoped in KernelBuffers b) =>
                {
                    Span<int> labels = stackalloc int[b.Predictions.Length / c];
                    return SoftmaxCrossEntropy.Cost(b.Predictions, LabelsFrom(b.Targets, c, labels), r);
                });
                Add($"SoftmaxCrossEntropy.CostAndGradient labels C={c}/{r}", false, c, false, false, true, false, (scoped in KernelBuffers b) =>
                {
                    Span<int> labels = stackalloc int[b.Predictions.Length / c];
                    return SoftmaxCrossEntropy.CostAndGradient(b.Predictions, LabelsFrom(b.Targets, c, labels), b.Gradient, r);
                });
                Add($"SoftmaxCrossEntropy.CostAndGradient+losses smoothing labels C={c}/{r}", false, c, false, false, true, true, (scoped in KernelBuffers b) =>
                {
                    Span<int> labels = stackalloc int[b.Predictions.Length / c];
                    SoftmaxCrossEntropyOptions options = new() { LabelSmoothing = 0.1f, IgnoreIndex = 0, ZLossWeight = 1e-3f };
                    return SoftmaxCrossEntropy.CostAndGradient(b.Predictions, LabelsFrom(b.Targets, c, labels), b.Gradient, b.Losses, default, options, r);
                });
                Add($"SoftmaxCrossEntropy.CostAndGradient+losses targets C={c}/{r}", false, c, false, false, true, true, (scoped in KernelBuffers b) =>
                    SoftmaxCrossEntropy.CostAndGradient(b.Predictions, b.Targets, c, b.Gradient, b.Losses, default, default, r));
            }
        }

        // Binary focal loss (issue 13), last so that every earlier case keeps its place in the hash: γ = 2 with α, and
        // γ = 0.5 without (0 < γ < 1, the case other forms turn into NaN at p_t = 1).
        foreach (Reduction r in new[] { Reduction.Sum, Reduction.Mean })
        {
            Add($"BinaryFocalLoss.Cost γ=2 α=0.25/{r}", false, 0, false, false, false, false, (scoped in KernelBuffers b) =>
                BinaryFocalLoss.Cost(b.Predictions, b.Targets, 2f, 0.25f, r));
            Add($"BinaryFocalLoss.CostAndGradient γ=0.5/{r}", false, 0, false, false, true, false, (scoped in KernelBuffers b) =>
                BinaryFocalLoss.CostAndGradient(b.Predictions, b.Targets, b.Gradient, 0.5f, null, r));
            Add($"BinaryFocalLoss.CostAndGradient+losses γ=2 α=0.25/{r}", false, 0, false, false, true, true, (scoped in KernelBuffers b) =>
                BinaryFocalLoss.CostAndGradient(b.Predictions, b.Targets, b.Gradient, b.Losses, 2f, 0.25f, r));
        }

        Add("BinaryFocalLoss.Losses γ=5", false, 0, false, false, false, true, (scoped in KernelBuffers b) =>
        {
            BinaryFocalLoss.Losses(b.Predictions, b.Targets, b.Losses, 5f);
            return 0f;
        });

        return cases;
    }

    private static List<DenseKernelCase> BuildDense()
    {
        List<DenseKernelCase> cases = [];
        foreach (bool dx in new[] { true, false })
        {
            string x = dx ? "+dX" : string.Empty;
            foreach (Reduction r in new[] { Reduction.Sum, Reduction.Mean })
            {
                foreach (bool sw in new[] { false, true })
                {
                    foreach (bool pw in new[] { false, true })
                    {
                        string weights = (sw ? " sw" : string.Empty) + (pw ? " pw" : string.Empty);
                        cases.Add(new($"DenseSigmoidCrossEntropy.CostAndGradient{x}{weights}/{r}", dx, false, inputs =>
                            DenseSigmoidCrossEntropy.CostAndGradient(
                                inputs.X, inputs.W, inputs.B, inputs.Targets, sw ? inputs.SampleWeights : default, pw ? inputs.PositiveWeights : default,
                                inputs.WeightGradient, inputs.BiasGradient, inputs.InputGradient, r)));
                    }
                }

                // No options; smoothing with ignored rows; class weights with z-loss; all of them.
                foreach ((string name, float smoothing, bool ignore, bool classWeights, float zLoss) in new[]
                {
                    (string.Empty, 0f, false, false, 0f),
                    (" smoothing ignore", 0.1f, true, false, 0f),
                    (" classWeights zloss", 0f, false, true, 1e-3f),
                    (" smoothing ignore classWeights zloss", 0.05f, true, true, 1e-3f),
                })
                {
                    cases.Add(new($"DenseSoftmaxCrossEntropy.CostAndGradient{x}{name}/{r}", dx, ignore, inputs =>
                    {
                        SoftmaxCrossEntropyOptions options = new()
                        {
                            LabelSmoothing = smoothing,
                            IgnoreIndex = ignore ? DenseInputs.IgnoredLabel : null,
                            ClassWeights = classWeights ? inputs.ClassWeights : default,
                            ZLossWeight = zLoss,
                        };
                        return DenseSoftmaxCrossEntropy.CostAndGradient(
                            inputs.X, inputs.W, inputs.B, inputs.Labels, inputs.WeightGradient, inputs.BiasGradient, inputs.InputGradient, options, r);
                    }));
                }
            }
        }

        return cases;
    }

    /// <summary>A label per row in [0, C), read off the row's first target so that it varies with the seed.</summary>
    private static ReadOnlySpan<int> LabelsFrom(ReadOnlySpan<float> targets, int classCount, Span<int> labels)
    {
        for (int i = 0; i < labels.Length; i++)
        {
            float t = targets[i * classCount];
            labels[i] = float.IsFinite(t) ? int.Clamp((int)(MathF.Abs(t) * classCount), 0, classCount - 1) : 0;
        }

        return labels;
    }
}
