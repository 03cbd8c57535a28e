using Kernels.Tests.Support;

namespace Kernels.Tests.Surface;

/// <summary>
/// The inputs of one <see cref="FuzzCase"/>, built from its seed and special values (the same bits in every
/// process), and the runs of the method and its reference on them. Outputs start as <see cref="KernelInputs.Sentinel"/>.
/// </summary>
internal sealed class SurfaceProblem
{
    public static readonly Operand[] Roles = Enum.GetValues<Operand>();

    /// <summary>Special logits: every threshold of e^-|z|, ±0, subnormals, float.MaxValue, ±∞, and NaNs with payloads.</summary>
    public static readonly float[] SpecialLogits =
    [
        .. TestInputs.SpecialLogits, .. TestInputs.NonFiniteLogits, BitConverter.Int32BitsToSingle(0x7FC12345), BitConverter.Int32BitsToSingle(unchecked((int)0xFFA00001)),
        16.6f, -16.6f, 88.72f, -88.72f, 103.97f, -103.97f,
    ];

    /// <summary>Probabilities at the edges of [0, 1], and NaN.</summary>
    public static readonly float[] SpecialProbabilities = [.. TestInputs.SpecialProbabilities, float.NaN];

    /// <summary>Targets at the edges of [0, 1], subnormal ones, and NaN (the documented range of every method's targets).</summary>
    public static readonly float[] SpecialTargets = [0f, -0f, 1f, 0.5f, float.Epsilon, 1e-7f, MathF.BitDecrement(1f), 1f - 1e-6f, float.NaN];

    /// <summary>Features and weights of the linear layers: ±0, subnormals, tiny and large magnitudes.</summary>
    public static readonly float[] SpecialFeatures = [0f, -0f, float.Epsilon, -float.Epsilon, 1e-30f, -1e-30f, 1e-3f, 100f, -100f, 1e4f, -1e4f];

    public SurfaceProblem(FuzzCase call)
    {
        Call = call;
        Method = call.Entry;
        SplitMix64 random = new(call.Seed);
        bool extremes = (call.Seed & 1) != 0;
        Arrays = [.. Roles.Select(role => new float[Method.Length(role, call)])];
        foreach (Operand role in Roles)
        {
            Span<float> values = Arrays[(int)role];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = role >= Operand.Gradient ? KernelInputs.Sentinel : Draw(role, i, ref random, extremes);
            }
        }

        Labels = Method.Labels ? new int[call.Rows] : [];
        int classes = int.Max(call.Width, 1);
        float ignore = SoftmaxOptionTable.Value(call.SoftmaxOptionValues, "IgnoreIndex");
        for (int i = 0; i < Labels.Length; i++)
        {
            Labels[i] = ignore != 0 && random.Next(4) == 0 ? (int)ignore - 1000 : random.Next(classes);
        }

        if (Method.Family == SurfaceFamily.SoftmaxTargets)
        {
            NormalizeTargetRows(Arrays[(int)Operand.Targets], classes, ref random);
        }

        foreach (Special special in call.SpecialValues)
        {
            float[] target = Arrays[(int)special.Role];
            if (target.Length > 0 && special.Role < Operand.Gradient)
            {
                target[(int)((uint)special.Position % (uint)target.Length)] = special.Value;
            }
        }
    }

    public FuzzCase Call { get; }

    public SurfaceMethod Method { get; }

    /// <summary>The contents of every span by role (inputs generated, outputs <see cref="KernelInputs.Sentinel"/>).</summary>
    public float[][] Arrays { get; }

    public int[] Labels { get; }

    public float[] this[Operand role] => Arrays[(int)role];

    /// <summary>Runs the method (or its reference) on spans placed by the given functions, holding copies of the inputs.</summary>
    public SurfaceResult Run(bool reference, Placement place, LabelPlacement placeLabels)
    {
        SurfaceSpans spans = default;
        foreach (Operand role in Roles)
        {
            // A placement may return a shorter span (a test of argument checks): it gets the first elements.
            Span<float> span = place(role, Arrays[(int)role].Length);
            Arrays[(int)role].AsSpan(0, int.Min(span.Length, Arrays[(int)role].Length)).CopyTo(span);
            spans.Set(role, span);
        }

        spans.Labels = placeLabels(Labels.Length);
        Labels.AsSpan(0, int.Min(spans.Labels.Length, Labels.Length)).CopyTo(spans.Labels);
        float returned = (reference ? Method.Reference : Method.Fast)(spans, Call, out float extra);
        float[][] outputs = new float[Roles.Length][];
        foreach (Operand role in Roles)
        {
            outputs[(int)role] = role >= Operand.Gradient ? spans[role].ToArray() : [];
        }

        return new SurfaceResult(returned, extra, outputs);
    }

    /// <summary>
    /// Runs the fast method reading this problem's own input arrays (shared by every caller, never copied or
    /// written) and writing fresh output arrays: the form the concurrency test calls from many threads at once.
    /// </summary>
    public SurfaceResult RunOnSharedInputs()
    {
        SurfaceSpans spans = default;
        foreach (Operand role in Roles)
        {
            spans.Set(role, role >= Operand.Gradient ? (float[])Arrays[(int)role].Clone() : Arrays[(int)role]);
        }

        spans.Labels = Labels;
        float returned = Method.Fast(spans, Call, out float extra);
        float[][] outputs = new float[Roles.Length][];
        foreach (Operand role in Roles)
        {
            outputs[(int)role] = role >= Operand.Gradient ? spans[role].ToArray() : [];
        }

        return new SurfaceResult(returned, extra, outputs);
    }

    /// <summary>Runs on fresh managed arrays: the placement every other one is compared with.</summary>
    public SurfaceResult Run(bool reference = false) => Run(reference, static (_, length) => new float[length], static length => new int[length]);

    private float Draw(Operand role, int index, ref SplitMix64 random, bool extremes)
    {
        SurfaceFamily family = Method.Family;
        bool linear = family is SurfaceFamily.LogisticRegression or SurfaceFamily.DenseSigmoid or SurfaceFamily.DenseSoftmax;
        return role switch
        {
            Operand.X when linear => random.Uniform(-2f, 2f),
            Operand.X when Method.Probabilities => KernelInputs.Probability(ref random),
            Operand.X when family is SurfaceFamily.SoftmaxLabels or SurfaceFamily.SoftmaxTargets => random.Next(8) == 0 ? random.Uniform(-100f, 100f) : random.Uniform(-12f, 12f),
            Operand.X => Logit(ref random, extremes),
            Operand.Targets when Method.Probabilities => KernelInputs.ProbabilityTarget(ref random),
            Operand.Targets => random.Next(3) switch
            {
                0 => random.Next(2),
                1 => random.Uniform(0f, 1f),
                _ => SpecialTargets[random.Next(SpecialTargets.Length - 1)], // NaN only as a special value
            },
            Operand.SampleWeights => random.Next(8) == 0 ? 0f : random.Uniform(0f, 2f),
            Operand.PositiveWeights => random.Uniform(0.1f, 5f),
            Operand.ClassWeights => random.Next(8) == 0 ? 0f : random.Uniform(0.25f, 4f),
            Operand.Weights => random.Uniform(-1.7f, 1.7f) / MathF.Sqrt(int.Max(Call.Features, 1)),
            _ => random.Uniform(-1f, 1f), // bias
        };
    }

    /// <summary>Odd seeds draw from the whole logit distribution (NaN, ±∞, huge); even seeds keep |z| ≤ 1e30.</summary>
    private static float Logit(ref SplitMix64 random, bool extremes)
    {
        float value = KernelInputs.Logit(ref random);
        while (!extremes && !(float.Abs(value) <= 1e30f))
        {
            value = KernelInputs.Logit(ref random);
        }

        return value;
    }

    /// <summary>Probability target rows: a third one-hot, the rest random and normalized to sum to 1.</summary>
    private static void NormalizeTargetRows(float[] targets, int classes, ref SplitMix64 random)
    {
        for (int start = 0; start < targets.Length; start += classes)
        {
            Span<float> row = targets.AsSpan(start, classes);
            if (random.Next(3) == 0)
            {
                row.Clear();
                row[random.Next(classes)] = 1f;
                continue;
            }

            float sum = 0;
            foreach (ref float t in row)
            {
                t = random.Uniform(0f, 1f);
                sum += t;
            }

            foreach (ref float t in row)
            {
                t = sum > 0 ? t / sum : 1f / classes;
            }
        }
    }
}
