using Kernels.Internal.Math;
using Kernels.Internal.Operators;
using Kernels.Internal.Validation;

namespace Kernels.Internal.Drivers;

/// <summary>Which outputs a public method must write (a required span must have its full length, even if empty).</summary>
[Flags]
internal enum PointwiseOutputs
{
    None = 0,
    Gradient = 1,
    Losses = 2,
}

/// <summary>
/// The arguments of one public call of a pointwise loss, by name: the public methods fill in what they take and the
/// rest stays empty. The two-argument constructor is the flat form (one output per sample, per-element losses), the
/// three-argument one the multi-output form (n samples of k outputs, per-sample losses).
/// </summary>
internal ref struct PointwiseLossCall
{
    public readonly ReadOnlySpan<float> Predictions;
    public readonly ReadOnlySpan<float> Targets;
    /// <summary>k, the outputs per sample (1 for the flat form; unvalidated for the multi-output form).</summary>
    public readonly int OutputCount;
    /// <summary>Whether the losses are per sample (multi-output overloads: the span is called "sampleLosses").</summary>
    public readonly bool PerSample;
    public ReadOnlySpan<float> SampleWeights;
    public ReadOnlySpan<float> PositiveWeights;
    public Span<float> Gradient;
    public Span<float> Losses;
    public Reduction Reduction;
    public PointwiseOutputs Writes;

    public PointwiseLossCall(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets)
    {
        Predictions = predictions;
        Targets = targets;
        OutputCount = 1;
    }

    public PointwiseLossCall(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, int outputCount)
    {
        Predictions = predictions;
        Targets = targets;
        OutputCount = outputCount;
        PerSample = true;
    }

    public readonly string LossesName => PerSample ? "sampleLosses" : "losses";
}

/// <summary>
/// The public entry of every pointwise loss (binary cross-entropy, binary focal loss, quadratic cost): validation,
/// the choice between the flat and the per-row pass, reduction, and the domain exception. The operator arrives
/// built, holding its parameters; nothing here knows what they are.
/// </summary>
internal static class PointwiseLoss
{
    /// <summary>Validates and runs <paramref name="call"/> with an operator that has no state.</summary>
    public static float Evaluate<TOperator>(scoped in PointwiseLossCall call)
        where TOperator : struct, IPointwiseLossOperator =>
        Evaluate(call, default(TOperator));

    /// <summary>Validates and runs <paramref name="call"/> with <paramref name="op"/>, which holds the call's loss parameters.</summary>
    public static float Evaluate<TOperator>(scoped in PointwiseLossCall call, scoped in TOperator op)
        where TOperator : struct, IPointwiseLossOperator, allows ref struct
    {
        int samples = PointwiseLossGuard.Validate(call, TOperator.PredictionsName, inPlaceAllowed: !TOperator.HasDomain);
        PointwiseLossPass pass = new()
        {
            Predictions = call.Predictions,
            Targets = call.Targets,
            GradientScale = ReductionGuard.GradientScale(call.Reduction, samples),
            Gradient = call.Gradient,
        };

        double total;
        DomainViolation violation;
        if (call.OutputCount == 1)
        {
            // One output per sample: the sample weights are per-element weights of one flat pass.
            pass.ElementWeights = call.SampleWeights;
            pass.Losses = call.Losses;
            total = PointwiseLossDriver.Run(pass, op, out violation);
        }
        else
        {
            total = PointwiseLossDriver.RunRows(pass, op, call.OutputCount, call.SampleWeights, call.Losses, out violation);
        }

        if (violation != DomainViolation.None)
        {
            string name = violation == DomainViolation.Prediction ? TOperator.PredictionsName : "targets";
            throw new ArgumentOutOfRangeException(name, $"Every value of '{name}' must lie in [0, 1].");
        }

        return ReductionGuard.Cost(call.Reduction, total, samples);
    }
}
