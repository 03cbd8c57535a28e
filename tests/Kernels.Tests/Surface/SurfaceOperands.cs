namespace Kernels.Tests.Surface;

/// <summary>
/// Every float span any public method takes, by role. X is the logits, probabilities or features; the outputs
/// start after <see cref="ClassWeights"/>. A method that does not use a role, or is given an empty optional span,
/// sees an empty span there.
/// </summary>
internal enum Operand
{
    X,
    Targets,
    SampleWeights,
    PositiveWeights,
    Weights,
    Bias,
    ClassWeights,
    Gradient,
    Losses,
    LogSumExp,
    WeightGradient,
    BiasGradient,
    InputGradient,
    Probabilities,
}

/// <summary>Which kind of call a method makes: decides the shapes, the inputs and the accuracy check.</summary>
internal enum SurfaceFamily
{
    /// <summary>BinaryCrossEntropy from logits, one output per sample (n elements).</summary>
    BceLogits,
    BceProbabilities,
    /// <summary>BinaryCrossEntropy multi-output overloads: n×k elements, optional sample and positive weights.</summary>
    BceLogitsMulti,
    BceProbabilitiesMulti,
    Quadratic,
    Focal,
    SoftmaxLabels,
    SoftmaxTargets,
    LogisticRegression,
    DenseSigmoid,
    DenseSoftmax,
}

/// <summary>The spans of one call, by role, and the labels (class-index methods only).</summary>
internal ref struct SurfaceSpans
{
    public Span<float> X, Targets, SampleWeights, PositiveWeights, Weights, Bias, ClassWeights;
    public Span<float> Gradient, Losses, LogSumExp, WeightGradient, BiasGradient, InputGradient, Probabilities;
    public Span<int> Labels;

    public readonly Span<float> this[Operand role] => role switch
    {
        Operand.X => X,
        Operand.Targets => Targets,
        Operand.SampleWeights => SampleWeights,
        Operand.PositiveWeights => PositiveWeights,
        Operand.Weights => Weights,
        Operand.Bias => Bias,
        Operand.ClassWeights => ClassWeights,
        Operand.Gradient => Gradient,
        Operand.Losses => Losses,
        Operand.LogSumExp => LogSumExp,
        Operand.WeightGradient => WeightGradient,
        Operand.BiasGradient => BiasGradient,
        Operand.InputGradient => InputGradient,
        _ => Probabilities,
    };

    public void Set(Operand role, Span<float> span)
    {
        switch (role)
        {
            case Operand.X: X = span; break;
            case Operand.Targets: Targets = span; break;
            case Operand.SampleWeights: SampleWeights = span; break;
            case Operand.PositiveWeights: PositiveWeights = span; break;
            case Operand.Weights: Weights = span; break;
            case Operand.Bias: Bias = span; break;
            case Operand.ClassWeights: ClassWeights = span; break;
            case Operand.Gradient: Gradient = span; break;
            case Operand.Losses: Losses = span; break;
            case Operand.LogSumExp: LogSumExp = span; break;
            case Operand.WeightGradient: WeightGradient = span; break;
            case Operand.BiasGradient: BiasGradient = span; break;
            case Operand.InputGradient: InputGradient = span; break;
            default: Probabilities = span; break;
        }
    }
}

/// <summary>
/// Calls one public method (or its reference) on <paramref name="spans"/>, with the scalars and options of
/// <paramref name="call"/>; returns the method's float result (the cost, or the bias gradient of logistic
/// regression's CostAndGradient in <paramref name="extra"/>), 0 for void methods.
/// </summary>
internal delegate float SurfaceCall(scoped in SurfaceSpans spans, FuzzCase call, out float extra);

/// <summary>Where a test wants the span of <paramref name="role"/>, <paramref name="length"/> floats long.</summary>
internal delegate Span<float> Placement(Operand role, int length);

/// <summary>Where a test wants the labels, <paramref name="length"/> ints long.</summary>
internal delegate Span<int> LabelPlacement(int length);

/// <summary>What one call produced: the returned value(s) and a copy of every output span, by role.</summary>
internal sealed record SurfaceResult(float Returned, float Extra, float[][] Outputs)
{
    public float[] this[Operand role] => Outputs[(int)role];

    /// <summary>Every output bit in a fixed order (returned values first), for bitwise comparisons.</summary>
    public float[] AllBits => [Returned, Extra, .. Outputs.SelectMany(o => o)];
}
