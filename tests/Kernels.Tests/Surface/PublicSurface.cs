using Kernels.Tests.Support;
using RefBce = Kernels.Reference.BinaryCrossEntropy;
using RefDenseSigmoid = Kernels.Reference.DenseSigmoidCrossEntropy;
using RefDenseSoftmax = Kernels.Reference.DenseSoftmaxCrossEntropy;
using RefFocal = Kernels.Reference.BinaryFocalLoss;
using RefLogistic = Kernels.Reference.LogisticRegression;
using RefQuadratic = Kernels.Reference.QuadraticCost;
using RefSoftmax = Kernels.Reference.SoftmaxCrossEntropy;

namespace Kernels.Tests.Surface;

/// <summary>
/// One public method: its family (shapes, inputs, accuracy check), the outputs it can write, and how to call it and
/// its <c>Kernels.Reference</c> twin. <paramref name="OptionalOutputs"/>: every output may be given as an empty span
/// (<see cref="FuzzCase.OutputMask"/> chooses); otherwise all of <paramref name="Writes"/> are given, except ∂X of
/// the dense layers, which is always optional.
/// </summary>
internal sealed record SurfaceMethod(string Name, SurfaceFamily Family, Operand[] Writes, bool OptionalOutputs, SurfaceCall Fast, SurfaceCall Reference)
{
    public override string ToString() => Name;

    public bool Labels => Family is SurfaceFamily.SoftmaxLabels or SurfaceFamily.DenseSoftmax;

    public bool ReturnsCost => Name.Contains(".Cost", StringComparison.Ordinal);

    public bool Probabilities => Family is SurfaceFamily.BceProbabilities or SurfaceFamily.BceProbabilitiesMulti;

    /// <summary>Whether <paramref name="role"/> is given to this call, by the method and the case's output mask.</summary>
    public bool Gives(Operand role, FuzzCase call)
    {
        int index = Array.IndexOf(Writes, role);
        if (index >= 0)
        {
            bool optional = OptionalOutputs || role == Operand.InputGradient;
            return !optional || (call.OutputMask & (1 << index)) != 0;
        }

        bool softmax = Family is SurfaceFamily.SoftmaxLabels or SurfaceFamily.SoftmaxTargets or SurfaceFamily.DenseSoftmax;
        return role switch
        {
            Operand.X => true,
            Operand.Targets => Family is not (SurfaceFamily.SoftmaxLabels or SurfaceFamily.DenseSoftmax) && Name != "LogisticRegression.Predict",
            Operand.SampleWeights => call.SampleWeights && Family is SurfaceFamily.BceLogitsMulti or SurfaceFamily.BceProbabilitiesMulti or SurfaceFamily.DenseSigmoid,
            Operand.PositiveWeights => call.PositiveWeights && Family is SurfaceFamily.BceLogitsMulti or SurfaceFamily.DenseSigmoid,
            Operand.Weights => Family is SurfaceFamily.LogisticRegression or SurfaceFamily.DenseSigmoid or SurfaceFamily.DenseSoftmax,
            Operand.Bias => Family is SurfaceFamily.DenseSigmoid or SurfaceFamily.DenseSoftmax,
            Operand.ClassWeights => softmax && SoftmaxOptionTable.IsSet(call.SoftmaxOptionValues, "ClassWeights"),
            _ => false,
        };
    }

    /// <summary>The length of <paramref name="role"/>'s span in <paramref name="call"/> (0 when not given).</summary>
    public int Length(Operand role, FuzzCase call)
    {
        if (!Gives(role, call))
        {
            return 0;
        }

        int n = call.Rows, k = int.Max(call.Width, 1), d = call.Features;
        return (Family, role) switch
        {
            (SurfaceFamily.BceLogits or SurfaceFamily.BceProbabilities or SurfaceFamily.Quadratic or SurfaceFamily.Focal, _) => n,
            (SurfaceFamily.LogisticRegression, Operand.X) => n * d,
            (SurfaceFamily.LogisticRegression, Operand.Weights or Operand.WeightGradient) => d,
            (SurfaceFamily.LogisticRegression, _) => n,
            (SurfaceFamily.DenseSigmoid or SurfaceFamily.DenseSoftmax, Operand.X or Operand.InputGradient) => n * d,
            (SurfaceFamily.DenseSigmoid or SurfaceFamily.DenseSoftmax, Operand.Weights or Operand.WeightGradient) => d * k,
            (SurfaceFamily.DenseSigmoid or SurfaceFamily.DenseSoftmax, Operand.Bias or Operand.BiasGradient or Operand.PositiveWeights or Operand.ClassWeights) => k,
            (SurfaceFamily.DenseSigmoid, Operand.Targets) => n * k,
            (_, Operand.SampleWeights or Operand.Losses or Operand.LogSumExp) => n,
            (_, Operand.PositiveWeights or Operand.ClassWeights) => k,
            _ => n * k,
        };
    }
}

/// <summary>
/// The registry of the public surface: every public method of every class in src/Kernels, each overload once, with
/// its reference. The cross-cutting tests (differential fuzzing, concurrency, guard pages, exceptions) enumerate it;
/// a method added to the library is added here, and every one of them covers it.
/// </summary>
internal static class PublicSurface
{
    /// <summary>A BinaryCrossEntropy overload written once against the interface both the kernels and the reference implement.</summary>
    private delegate float BceCall(IBinaryCrossEntropy api, scoped in SurfaceSpans s, FuzzCase c);

    public static IReadOnlyList<SurfaceMethod> All { get; } = Build();

    public static SurfaceMethod Named(string name) => All.Single(m => m.Name == name);

    public static TheoryData<string> Names() => [.. All.Select(m => m.Name)];

    private static List<SurfaceMethod> Build()
    {
        const Operand G = Operand.Gradient, L = Operand.Losses, Lse = Operand.LogSumExp;
        List<SurfaceMethod> all = [];
        void Bce(string name, SurfaceFamily family, Operand[] writes, BceCall call) => all.Add(new(
            $"BinaryCrossEntropy.{name}", family, writes, false,
            (scoped in SurfaceSpans s, FuzzCase c, out float extra) => { extra = 0; return call(BceKernels.Instance, s, c); },
            (scoped in SurfaceSpans s, FuzzCase c, out float extra) => { extra = 0; return call(BceReference.Instance, s, c); }));
        void Add(string name, SurfaceFamily family, Operand[] writes, bool optional, SurfaceCall fast, SurfaceCall reference) =>
            all.Add(new(name, family, writes, optional, fast, reference));

        // The names are those of BceOverloads, whose accuracy check the fuzzer reuses.
        const SurfaceFamily BL = SurfaceFamily.BceLogits, BP = SurfaceFamily.BceProbabilities, BLM = SurfaceFamily.BceLogitsMulti, BPM = SurfaceFamily.BceProbabilitiesMulti;
        Bce("Losses", BL, [L], static (api, in s, c) => { api.Losses(s.X, s.Targets, s.Losses); return 0; });
        Bce("Cost", BL, [], static (api, in s, c) => api.Cost(s.X, s.Targets, c.Reduction));
        Bce("CostAndGradient", BL, [G], static (api, in s, c) => api.CostAndGradient(s.X, s.Targets, s.Gradient, c.Reduction));
        Bce("CostAndGradient(gradient, losses)", BL, [G, L], static (api, in s, c) => api.CostAndGradient(s.X, s.Targets, s.Gradient, s.Losses, c.Reduction));
        Bce("Losses(k)", BLM, [L], static (api, in s, c) => { api.Losses(s.X, s.Targets, c.Width, s.SampleWeights, s.PositiveWeights, s.Losses); return 0; });
        Bce("Cost(k)", BLM, [], static (api, in s, c) => api.Cost(s.X, s.Targets, c.Width, s.SampleWeights, s.PositiveWeights, c.Reduction));
        Bce("CostAndGradient(k)", BLM, [G], static (api, in s, c) => api.CostAndGradient(s.X, s.Targets, c.Width, s.SampleWeights, s.PositiveWeights, s.Gradient, default, c.Reduction));
        Bce("CostAndGradient(k, sampleLosses)", BLM, [G, L], static (api, in s, c) => api.CostAndGradient(s.X, s.Targets, c.Width, s.SampleWeights, s.PositiveWeights, s.Gradient, s.Losses, c.Reduction));
        Bce("LossesFromProbabilities", BP, [L], static (api, in s, c) => { api.LossesFromProbabilities(s.X, s.Targets, s.Losses); return 0; });
        Bce("CostFromProbabilities", BP, [], static (api, in s, c) => api.CostFromProbabilities(s.X, s.Targets, c.Reduction));
        Bce("CostAndGradientFromProbabilities", BP, [G], static (api, in s, c) => api.CostAndGradientFromProbabilities(s.X, s.Targets, s.Gradient, c.Reduction));
        Bce("CostAndGradientFromProbabilities(gradient, losses)", BP, [G, L], static (api, in s, c) => api.CostAndGradientFromProbabilities(s.X, s.Targets, s.Gradient, s.Losses, c.Reduction));
        Bce("LossesFromProbabilities(k)", BPM, [L], static (api, in s, c) => { api.LossesFromProbabilities(s.X, s.Targets, c.Width, s.SampleWeights, s.Losses); return 0; });
        Bce("CostFromProbabilities(k)", BPM, [], static (api, in s, c) => api.CostFromProbabilities(s.X, s.Targets, c.Width, s.SampleWeights, c.Reduction));
        Bce("CostAndGradientFromProbabilities(k)", BPM, [G], static (api, in s, c) => api.CostAndGradientFromProbabilities(s.X, s.Targets, c.Width, s.SampleWeights, s.Gradient, default, c.Reduction));
        Bce("CostAndGradientFromProbabilities(k, sampleLosses)", BPM, [G, L], static (api, in s, c) => api.CostAndGradientFromProbabilities(s.X, s.Targets, c.Width, s.SampleWeights, s.Gradient, s.Losses, c.Reduction));

        const SurfaceFamily Q = SurfaceFamily.Quadratic;
        Add("QuadraticCost.Losses", Q, [L], false,
            (scoped in SurfaceSpans s, FuzzCase c, out float e) => { e = 0; QuadraticCost.Losses(s.X, s.Targets, s.Losses); return 0; },
            (scoped in SurfaceSpans s, FuzzCase c, out float e) => { e = 0; RefQuadratic.Losses(s.X, s.Targets, s.Losses); return 0; });
        Add("QuadraticCost.Cost", Q, [], false,
            (scoped in SurfaceSpans s, FuzzCase c, out float e) => { e = 0; return QuadraticCost.Cost(s.X, s.Targets, c.Reduction); },
            (scoped in SurfaceSpans s, FuzzCase c, out float e) => { e = 0; return RefQuadratic.Cost(s.X, s.Targets, c.Reduction); });
        Add("QuadraticCost.CostAndGradient", Q, [G], false,
            (scoped in SurfaceSpans s, FuzzCase c, out float e) => { e = 0; return QuadraticCost.CostAndGradient(s.X, s.Targets, s.Gradient, c.Reduction); },
            (scoped in SurfaceSpans s, FuzzCase c, out float e) => { e = 0; return RefQuadratic.CostAndGradient(s.X, s.Targets, s.Gradient, c.Reduction); });
        Add("QuadraticCost.CostAndGradient(gradient, losses)", Q, [G, L], false,
            (scoped in SurfaceSpans s, FuzzCase c, out float e) => { e = 0; return QuadraticCost.CostAndGradient(s.X, s.Targets, s.Gradient, s.Losses, c.Reduction); },
            (scoped in SurfaceSpans s, FuzzCase c, out float e) => { e = 0; return RefQuadratic.CostAndGradient(s.X, s.Targets, s.Gradient, s.Losses, c.Reduction); });

        const SurfaceFamily F = SurfaceFamily.Focal;
        Add("BinaryFocalLoss.Losses", F, [L], false,
            (scoped in SurfaceSpans s, FuzzCase c, out float e) => { e = 0; BinaryFocalLoss.Losses(s.X, s.Targets, s.Losses, c.Gamma, c.FocalAlpha); return 0; },
            (scoped in SurfaceSpans s, FuzzCase c, out float e) => { e = 0; RefFocal.Losses(s.X, s.Targets, s.Losses, c.Gamma, c.FocalAlpha); return 0; });
        Add("BinaryFocalLoss.Cost", F, [], false,
            (scoped in SurfaceSpans s, FuzzCase c, out float e) => { e = 0; return BinaryFocalLoss.Cost(s.X, s.Targets, c.Gamma, c.FocalAlpha, c.Reduction); },
            (scoped in SurfaceSpans s, FuzzCase c, out float e) => { e = 0; return RefFocal.Cost(s.X, s.Targets, c.Gamma, c.FocalAlpha, c.Reduction); });
        Add("BinaryFocalLoss.CostAndGradient", F, [G], false,
            (scoped in SurfaceSpans s, FuzzCase c, out float e) => { e = 0; return BinaryFocalLoss.CostAndGradient(s.X, s.Targets, s.Gradient, c.Gamma, c.FocalAlpha, c.Reduction); },
            (scoped in SurfaceSpans s, FuzzCase c, out float e) => { e = 0; return RefFocal.CostAndGradient(s.X, s.Targets, s.Gradient, c.Gamma, c.FocalAlpha, c.Reduction); });
        Add("BinaryFocalLoss.CostAndGradient(gradient, losses)", F, [G, L], false,
            (scoped in SurfaceSpans s, FuzzCase c, out float e) => { e = 0; return BinaryFocalLoss.CostAndGradient(s.X, s.Targets, s.Gradient, s.Losses, c.Gamma, c.FocalAlpha, c.Reduction); },
            (scoped in SurfaceSpans s, FuzzCase c, out float e) => { e = 0; return RefFocal.CostAndGradient(s.X, s.Targets, s.Gradient, s.Losses, c.Gamma, c.FocalAlpha, c.Reduction); });

        const SurfaceFamily SL = SurfaceFamily.SoftmaxLabels, ST = SurfaceFamily.SoftmaxTargets;
        Add("SoftmaxCrossEntropy.Losses", SL, [L], false,
            (scoped in SurfaceSpans s, FuzzCase c, out float e) => { e = 0; SoftmaxCrossEntropy.Losses(s.X, s.Labels, s.Losses); return 0; },
            (scoped in SurfaceSpans s, FuzzCase c, out float e) => { e = 0; RefSoftmax.Losses(s.X, s.Labels, s.Losses); return 0; });
        Add("SoftmaxCrossEntropy.Cost", SL, [], false,
            (scoped in SurfaceSpans s, FuzzCase c, out float e) => { e = 0; return SoftmaxCrossEntropy.Cost(s.X, s.Labels, c.Reduction); },
            (scoped in SurfaceSpans s, FuzzCase c, out float e) => { e = 0; return RefSoftmax.Cost(s.X, s.Labels, c.Reduction); });
        Add("SoftmaxCrossEntropy.CostAndGradient(labels)", SL, [G], false,
            (scoped in SurfaceSpans s, FuzzCase c, out float e) => { e = 0; return SoftmaxCrossEntropy.CostAndGradient(s.X, s.Labels, s.Gradient, c.Reduction); },
            (scoped in SurfaceSpans s, FuzzCase c, out float e) => { e = 0; return RefSoftmax.CostAndGradient(s.X, s.Labels, s.Gradient, c.Reduction); });
        Add("SoftmaxCrossEntropy.CostAndGradient(labels, losses, logSumExp, options)", SL, [G, L, Lse], true,
            (scoped in SurfaceSpans s, FuzzCase c, out float e) => { e = 0; return SoftmaxCrossEntropy.CostAndGradient(s.X, s.Labels, s.Gradient, s.Losses, s.LogSumExp, Options(s, c), c.Reduction); },
            (scoped in SurfaceSpans s, FuzzCase c, out float e) => { e = 0; return RefSoftmax.CostAndGradient(s.X, s.Labels, s.Gradient, s.Losses, s.LogSumExp, Options(s, c), c.Reduction); });
        Add("SoftmaxCrossEntropy.CostAndGradient(targets)", ST, [G], false,
            (scoped in SurfaceSpans s, FuzzCase c, out float e) => { e = 0; return SoftmaxCrossEntropy.CostAndGradient(s.X, s.Targets, c.Width, s.Gradient, c.Reduction); },
            (scoped in SurfaceSpans s, FuzzCase c, out float e) => { e = 0; return RefSoftmax.CostAndGradient(s.X, s.Targets, c.Width, s.Gradient, c.Reduction); });
        Add("SoftmaxCrossEntropy.CostAndGradient(targets, losses, logSumExp, options)", ST, [G, L, Lse], true,
            (scoped in SurfaceSpans s, FuzzCase c, out float e) => { e = 0; return SoftmaxCrossEntropy.CostAndGradient(s.X, s.Targets, c.Width, s.Gradient, s.Losses, s.LogSumExp, Options(s, c), c.Reduction); },
            (scoped in SurfaceSpans s, FuzzCase c, out float e) => { e = 0; return RefSoftmax.CostAndGradient(s.X, s.Targets, c.Width, s.Gradient, s.Losses, s.LogSumExp, Options(s, c), c.Reduction); });

        const SurfaceFamily LR = SurfaceFamily.LogisticRegression;
        Add("LogisticRegression.CostAndGradient", LR, [Operand.WeightGradient], false,
            (scoped in SurfaceSpans s, FuzzCase c, out float e) => LogisticRegression.CostAndGradient(s.X, s.Weights, Bias(c), s.Targets, s.WeightGradient, out e, c.Reduction),
            (scoped in SurfaceSpans s, FuzzCase c, out float e) => RefLogistic.CostAndGradient(s.X, s.Weights, Bias(c), s.Targets, s.WeightGradient, out e, c.Reduction));
        Add("LogisticRegression.Predict", LR, [Operand.Probabilities], false,
            (scoped in SurfaceSpans s, FuzzCase c, out float e) => { e = 0; LogisticRegression.Predict(s.X, s.Weights, Bias(c), s.Probabilities); return 0; },
            (scoped in SurfaceSpans s, FuzzCase c, out float e) => { e = 0; RefLogistic.Predict(s.X, s.Weights, Bias(c), s.Probabilities); return 0; });

        Operand[] dense = [Operand.WeightGradient, Operand.BiasGradient, Operand.InputGradient];
        Add("DenseSigmoidCrossEntropy.CostAndGradient", SurfaceFamily.DenseSigmoid, dense, false,
            (scoped in SurfaceSpans s, FuzzCase c, out float e) => { e = 0; return DenseSigmoidCrossEntropy.CostAndGradient(s.X, s.Weights, s.Bias, s.Targets, s.SampleWeights, s.PositiveWeights, s.WeightGradient, s.BiasGradient, s.InputGradient, c.Reduction); },
            (scoped in SurfaceSpans s, FuzzCase c, out float e) => { e = 0; return RefDenseSigmoid.CostAndGradient(s.X, s.Weights, s.Bias, s.Targets, s.SampleWeights, s.PositiveWeights, s.WeightGradient, s.BiasGradient, s.InputGradient, c.Reduction); });
        Add("DenseSoftmaxCrossEntropy.CostAndGradient", SurfaceFamily.DenseSoftmax, dense, false,
            (scoped in SurfaceSpans s, FuzzCase c, out float e) => { e = 0; return DenseSoftmaxCrossEntropy.CostAndGradient(s.X, s.Weights, s.Bias, s.Labels, s.WeightGradient, s.BiasGradient, s.InputGradient, Options(s, c), c.Reduction); },
            (scoped in SurfaceSpans s, FuzzCase c, out float e) => { e = 0; return RefDenseSoftmax.CostAndGradient(s.X, s.Weights, s.Bias, s.Labels, s.WeightGradient, s.BiasGradient, s.InputGradient, Options(s, c), c.Reduction); });
        return all;
    }

    private static SoftmaxCrossEntropyOptions Options(scoped in SurfaceSpans s, FuzzCase c) => SoftmaxOptionTable.Build(c.SoftmaxOptionValues, s.ClassWeights);

    /// <summary>Logistic regression's scalar bias: drawn from the seed, in [-1, 1).</summary>
    public static float Bias(FuzzCase c) => ((int)(c.Seed % 2001) - 1000) / 1000f;
}
