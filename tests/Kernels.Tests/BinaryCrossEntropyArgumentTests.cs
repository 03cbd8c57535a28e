using Kernels.Tests.Support;

namespace Kernels.Tests;

/// <summary>
/// Inconsistent arguments: every method checks lengths, outputCount, reduction and overlaps before touching memory,
/// so it throws the documented exception naming the parameter and leaves every buffer as it was. The reference
/// runs the same checks, so both implementations are held to the same rules. Out-of-[0, 1] values on the
/// probabilities path are found during the pass: the inputs are still never written.
/// </summary>
public class BinaryCrossEntropyArgumentTests
{
    /// <summary>
    /// One kind of bad call: which overloads it applies to, how it breaks a valid <see cref="PooledCall"/>, the
    /// exception type, and the parameter names the exception may carry (several where the docs do not pick one).
    /// </summary>
    private sealed record BadCall(string Name, Func<BceOverload, bool> AppliesTo, Action<PooledCall> Break, Type Exception, Func<BceOverload, string[]> ParamNames);

    private static bool Always(BceOverload o) => true;

    private static bool HasGradient(BceOverload o) => o.Writes.HasFlag(BceOutputs.Gradient);

    private static bool HasLosses(BceOverload o) => o.Writes.HasFlag(BceOutputs.Losses);

    private static bool HasBothOutputs(BceOverload o) => HasGradient(o) && HasLosses(o);

    private static bool MultiOutput(BceOverload o) => o.MultiOutput;

    private static bool PositiveWeights(BceOverload o) => o.MultiOutput && o.Kind == PredictionKind.Logits;

    private static string[] Gradient(BceOverload o) => ["gradient"];

    private static string[] Losses(BceOverload o) => [o.LossesName];

    private static readonly BadCall[] BadCalls =
    [
        // Lengths.
        new("targets one shorter", Always, c => c.Call.Targets = c.View(c.TargetsAt, c.Elements - 1), typeof(ArgumentException), _ => ["targets"]),
        new("targets one longer", Always, c => c.Call.Targets = c.View(c.TargetsAt, c.Elements + 1), typeof(ArgumentException), _ => ["targets"]),
        new("gradient one shorter", HasGradient, c => c.Call.Gradient = c.View(c.GradientAt, c.Elements - 1), typeof(ArgumentException), Gradient),
        new("gradient one longer", HasGradient, c => c.Call.Gradient = c.View(c.GradientAt, c.Elements + 1), typeof(ArgumentException), Gradient),
        new("losses one shorter", HasLosses, c => c.Call.Losses = c.View(c.LossesAt, c.Samples - 1), typeof(ArgumentException), Losses),
        new("losses one longer", HasLosses, c => c.Call.Losses = c.View(c.LossesAt, c.Samples + 1), typeof(ArgumentException), Losses),
        new("sampleWeights one shorter", MultiOutput, c => c.Call.SampleWeights = c.View(c.SampleWeightsAt, c.Samples - 1), typeof(ArgumentException), _ => ["sampleWeights"]),
        new("sampleWeights one longer", MultiOutput, c => c.Call.SampleWeights = c.View(c.SampleWeightsAt, c.Samples + 1), typeof(ArgumentException), _ => ["sampleWeights"]),
        new("positiveWeights one shorter", PositiveWeights, c => c.Call.PositiveWeights = c.View(c.PositiveWeightsAt, c.OutputCount - 1), typeof(ArgumentException), _ => ["positiveWeights"]),
        new("positiveWeights one longer", PositiveWeights, c => c.Call.PositiveWeights = c.View(c.PositiveWeightsAt, c.OutputCount + 1), typeof(ArgumentException), _ => ["positiveWeights"]),
        new("predictions not a multiple of outputCount", MultiOutput, c => c.Call.OutputCount = c.OutputCount + 1, typeof(ArgumentException), o => [o.PredictionsName]),

        // Scalars.
        new("outputCount zero", MultiOutput, c => c.Call.OutputCount = 0, typeof(ArgumentOutOfRangeException), _ => ["outputCount"]),
        new("outputCount negative", MultiOutput, c => c.Call.OutputCount = -c.OutputCount, typeof(ArgumentOutOfRangeException), _ => ["outputCount"]),
        new("reduction 2 (undefined)", o => o.TakesReduction, c => c.Call.Reduction = (Reduction)2, typeof(ArgumentOutOfRangeException), _ => ["reduction"]),
        new("reduction -1 (undefined)", o => o.TakesReduction, c => c.Call.Reduction = (Reduction)(-1), typeof(ArgumentOutOfRangeException), _ => ["reduction"]),

        // The gradient partially over an input.
        new("gradient one element after the predictions", HasGradient, c => c.Call.Gradient = c.View(c.PredictionsAt + 1, c.Elements), typeof(ArgumentException), Gradient),
        new("gradient one element before the predictions", HasGradient, c => c.Call.Gradient = c.View(c.PredictionsAt - 1, c.Elements), typeof(ArgumentException), Gradient),
        new("gradient exactly the targets", HasGradient, c => c.Call.Gradient = c.View(c.TargetsAt, c.Elements), typeof(ArgumentException), Gradient),
        new("gradient one element after the targets", HasGradient, c => c.Call.Gradient = c.View(c.TargetsAt + 1, c.Elements), typeof(ArgumentException), Gradient),
        new("gradient over the sample weights", o => HasGradient(o) && o.MultiOutput, c => c.Call.Gradient = c.View(c.SampleWeightsAt - 1, c.Elements), typeof(ArgumentException), Gradient),
        new("gradient over the positive weights", o => HasGradient(o) && PositiveWeights(o), c => c.Call.Gradient = c.View(c.PositiveWeightsAt + 1, c.Elements), typeof(ArgumentException), Gradient),

        // The losses partially over an input.
        new("losses one element after the predictions", HasLosses, c => c.Call.Losses = c.View(c.PredictionsAt + 1, c.Samples), typeof(ArgumentException), Losses),
        new("losses one element before the predictions", HasLosses, c => c.Call.Losses = c.View(c.PredictionsAt - 1, c.Samples), typeof(ArgumentException), Losses),
        new("losses exactly the targets", o => HasLosses(o) && !o.MultiOutput, c => c.Call.Losses = c.View(c.TargetsAt, c.Samples), typeof(ArgumentException), Losses),
        new("losses at the start of the targets", o => HasLosses(o) && o.MultiOutput, c => c.Call.Losses = c.View(c.TargetsAt, c.Samples), typeof(ArgumentException), Losses),
        new("losses one element after the targets", HasLosses, c => c.Call.Losses = c.View(c.TargetsAt + 1, c.Samples), typeof(ArgumentException), Losses),
        new("losses exactly the sample weights", o => HasLosses(o) && o.MultiOutput, c => c.Call.Losses = c.View(c.SampleWeightsAt, c.Samples), typeof(ArgumentException), Losses),
        new("losses over the positive weights", o => HasLosses(o) && PositiveWeights(o), c => c.Call.Losses = c.View(c.PositiveWeightsAt - 1, c.Samples), typeof(ArgumentException), Losses),

        // The two outputs over each other (the docs say "the two destinations overlap", naming neither).
        new("losses exactly the gradient", o => HasBothOutputs(o) && !o.MultiOutput, c => c.Call.Losses = c.Call.Gradient, typeof(ArgumentException), o => ["gradient", o.LossesName]),
        new("losses one element into the gradient", HasBothOutputs, c => c.Call.Losses = c.View(c.GradientAt + 1, c.Samples), typeof(ArgumentException), o => ["gradient", o.LossesName]),
        new("gradient and losses both exactly the logits", o => HasBothOutputs(o) && !o.MultiOutput && o.Kind == PredictionKind.Logits, c => (c.Call.Gradient, c.Call.Losses) = (c.Call.Predictions, c.Call.Predictions), typeof(ArgumentException), o => ["gradient", o.LossesName]),

        // Exact aliasing is in-place use on the logits path only; on the probabilities path it is an overlap.
        new("gradient exactly the probabilities", o => HasGradient(o) && o.Kind == PredictionKind.Probabilities, c => c.Call.Gradient = c.Call.Predictions, typeof(ArgumentException), Gradient),
        new("losses exactly the probabilities", o => HasLosses(o) && o.Kind == PredictionKind.Probabilities && !o.MultiOutput, c => c.Call.Losses = c.Call.Predictions, typeof(ArgumentException), Losses),
    ];

    public static TheoryData<string, string> BadCallCases()
    {
        TheoryData<string, string> cases = [];
        foreach (BadCall bad in BadCalls)
        {
            foreach (BceOverload o in BceOverloads.All.Where(bad.AppliesTo))
            {
                cases.Add(bad.Name, o.Name);
            }
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(BadCallCases))]
    public void BadCallThrowsTheDocumentedExceptionAndChangesNoBuffer(string badCall, string overload)
    {
        BadCall bad = BadCalls.Single(b => b.Name == badCall);
        BceOverload o = BceOverloads.Named(overload);
        foreach (IBinaryCrossEntropy api in (IBinaryCrossEntropy[])[BceKernels.Instance, BceReference.Instance])
        {
            PooledCall call = new(o);
            bad.Break(call);
            float[] before = [.. call.Pool];

            Exception thrown = Assert.Throws(bad.Exception, () => o.Invoke(api, call.Call));

            Assert.Contains(((ArgumentException)thrown).ParamName, bad.ParamNames(o));
            Bitwise.AssertEqual(before, call.Pool, $"{api.GetType().Name}: buffers after the exception");
        }
    }

    public static TheoryData<string, float, bool> OutOfDomainCases()
    {
        TheoryData<string, float, bool> cases = [];
        foreach (BceOverload o in BceOverloads.All.Where(o => o.Kind == PredictionKind.Probabilities))
        {
            // Just outside either end, far outside, and the infinities; -0 and NaN are allowed (other tests).
            foreach (float value in (float[])[-float.Epsilon, -1f, MathF.BitIncrement(1f), 2f, float.PositiveInfinity, float.NegativeInfinity])
            {
                cases.Add(o.Name, value, false);
                cases.Add(o.Name, value, true);
            }
        }

        return cases;
    }

    /// <summary>
    /// A probability or target outside [0, 1] anywhere (first element, a vector group, the scalar tail) throws
    /// ArgumentOutOfRangeException naming "probabilities" or "targets"; the inputs are unchanged.
    /// </summary>
    [Theory]
    [MemberData(nameof(OutOfDomainCases))]
    public void ProbabilityOrTargetOutsideZeroOneThrowsNamingItAndLeavesTheInputsUnchanged(string overload, float value, bool inTargets)
    {
        BceOverload o = BceOverloads.Named(overload);
        // 39 elements: a full group of logical lanes (32) and a 7-element scalar tail; 13 samples of 3 outputs when multi-output.
        foreach (int position in (int[])[0, 17, 38])
        {
            foreach (IBinaryCrossEntropy api in (IBinaryCrossEntropy[])[BceKernels.Instance, BceReference.Instance])
            {
                BceBuffers call = BceCases.Generate(o.Kind, 39, TargetKind.Soft, nonFinite: false, Reduction.Mean, seed: position, o.MultiOutput ? 3 : 1, sampleWeights: o.MultiOutput);
                (inTargets ? call.Targets : call.Predictions).Span[position] = value;
                BceBuffers inputs = call.Clone();

                ArgumentOutOfRangeException thrown = Assert.Throws<ArgumentOutOfRangeException>(() => o.Invoke(api, call));

                Assert.Equal(inTargets ? "targets" : "probabilities", thrown.ParamName);
                Bitwise.AssertEqual(inputs.Predictions.Span, call.Predictions.Span, "probabilities after the exception");
                Bitwise.AssertEqual(inputs.Targets.Span, call.Targets.Span, "targets after the exception");
                Bitwise.AssertEqual(inputs.SampleWeights.Span, call.SampleWeights.Span, "sampleWeights after the exception");
            }
        }
    }

    /// <summary>
    /// A valid call whose every span is a view into one array, with gaps between the regions, so a bad call can
    /// be made by moving or resizing a view, and "no buffer changed" is one comparison of the whole array.
    /// Flat overloads get 20 elements; multi-output ones 5 samples × 3 outputs with both kinds of weights.
    /// </summary>
    private sealed class PooledCall
    {
        private const int Gap = 4;

        public PooledCall(BceOverload overload)
        {
            OutputCount = overload.MultiOutput ? 3 : 1;
            Samples = overload.MultiOutput ? 5 : 20;
            Elements = Samples * OutputCount;
            int weights = overload.MultiOutput ? Samples : 0, positiveWeights = PositiveWeights(overload) ? OutputCount : 0;

            int at = Gap;
            PredictionsAt = Take(ref at, Elements);
            TargetsAt = Take(ref at, Elements);
            SampleWeightsAt = Take(ref at, Samples);
            PositiveWeightsAt = Take(ref at, OutputCount);
            GradientAt = Take(ref at, Elements);
            LossesAt = Take(ref at, Samples);
            Pool = new float[at];

            bool logits = overload.Kind == PredictionKind.Logits;
            float[] predictions = logits ? TestInputs.Logits(Elements, 1) : TestInputs.Probabilities(Elements, 1);
            predictions.CopyTo(Pool, PredictionsAt);
            TestInputs.Targets(TargetKind.Soft, predictions, logits, 2).CopyTo(Pool, TargetsAt);
            TestInputs.SampleWeights(Samples, 3).CopyTo(Pool, SampleWeightsAt);
            TestInputs.PositiveWeights(OutputCount, 4).CopyTo(Pool, PositiveWeightsAt);

            Call = new BceBuffers
            {
                Predictions = View(PredictionsAt, Elements),
                Targets = View(TargetsAt, Elements),
                SampleWeights = View(SampleWeightsAt, weights),
                PositiveWeights = View(PositiveWeightsAt, positiveWeights),
                Gradient = View(GradientAt, Elements),
                Losses = View(LossesAt, Samples),
                OutputCount = OutputCount,
                Label = $"pooled {overload.Name}",
            };
        }

        public float[] Pool { get; }

        public BceBuffers Call { get; }

        public int OutputCount { get; }

        public int Samples { get; }

        public int Elements { get; }

        public int PredictionsAt { get; }

        public int TargetsAt { get; }

        public int SampleWeightsAt { get; }

        public int PositiveWeightsAt { get; }

        public int GradientAt { get; }

        public int LossesAt { get; }

        public Memory<float> View(int start, int length) => Pool.AsMemory(start, length);

        private static int Take(ref int at, int length)
        {
            int start = at;
            at += length + Gap;
            return start;
        }
    }
}
