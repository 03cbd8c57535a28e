namespace Kernels.Samples;

/// <summary>The cost function whose gradient trains the neuron.</summary>
public enum NeuronCost
{
    /// <summary>C = ½(σ(z) - y)²: its gradient carries σ'(z), which vanishes when the neuron saturates.</summary>
    Quadratic,

    /// <summary>C = -[y ln σ(z) + (1-y) ln(1 - σ(z))]: its gradient σ(z) - y has no σ'(z) factor.</summary>
    CrossEntropy,
}

/// <summary>One run of the single-neuron experiment: the cost, the starting weight and bias, and the learning rate η.</summary>
public readonly record struct NeuronRun(NeuronCost Cost, float InitialWeight, float InitialBias, float LearningRate)
{
    /// <summary>A short label such as "quadratic, (w, b) = (0.6, 0.9), η = 0.15".</summary>
    public override string ToString() => FormattableString.Invariant(
        $"{(Cost == NeuronCost.Quadratic ? "quadratic" : "cross-entropy")}, (w, b) = ({InitialWeight}, {InitialBias}), η = {LearningRate}");
}

/// <summary>
/// What a run went through: <c>Costs[e]</c> and <c>Outputs[e]</c> are the cost and the output σ(z) after e epochs
/// (e = 0 is the starting point, so both arrays have one entry more than the number of epochs).
/// </summary>
public sealed record NeuronTrajectory(NeuronRun Run, float[] Costs, float[] Outputs)
{
    /// <summary>The number of gradient-descent steps taken.</summary>
    public int Epochs => Costs.Length - 1;
}

/// <summary>
/// The single-neuron experiment of chapter 3 of Michael Nielsen's <i>Neural Networks and Deep Learning</i>: a sigmoid
/// neuron with one input x = 1 is taught to output y = 0 by plain gradient descent. Started badly wrong, it learns
/// slowly under the quadratic cost (the σ'(z) factor of the gradient is tiny where σ saturates) but not under the
/// cross-entropy cost.
/// </summary>
/// <remarks>
/// The costs and ∂C/∂z come from the library kernels (<see cref="QuadraticCost"/>, <see cref="BinaryCrossEntropy"/>)
/// applied to the one-element batch z = w·x + b; the chain rule to the parameters is done here: ∂C/∂w = x·∂C/∂z,
/// ∂C/∂b = ∂C/∂z. The output is <see cref="LogisticRegression.Predict"/> of the same one-feature model.
/// <para>The quadratic runs reproduce the book's figures. The cross-entropy runs use the true gradient ∂C/∂z = σ(z)
/// with the book's η = 0.005 and fall more slowly than the book's animations, whose widget code steps by
/// η·∂C/∂a = η/(1 - a) instead: about 7× larger at output 0.82 and 57× at 0.98. What the book's argument needs
/// still holds: the cross-entropy cost falls fastest at the start, where the neuron is most wrong.</para>
/// </remarks>
public static class NeuronExperiment
{
    /// <summary>The neuron's only input.</summary>
    public const float Input = 1f;

    /// <summary>The output the neuron is taught.</summary>
    public const float Target = 0f;

    /// <summary>The length of the book's runs.</summary>
    public const int BookEpochs = 300;

    /// <summary>
    /// The book's four runs: the quadratic cost with η = 0.15 from a mildly wrong start, (0.6, 0.9), output 0.82, and
    /// from a badly wrong one, (2.0, 2.0), output 0.98; then the cross-entropy cost with η = 0.005 from both.
    /// </summary>
    public static IReadOnlyList<NeuronRun> BookRuns { get; } =
    [
        new(NeuronCost.Quadratic, 0.6f, 0.9f, 0.15f),
        new(NeuronCost.Quadratic, 2.0f, 2.0f, 0.15f),
        new(NeuronCost.CrossEntropy, 0.6f, 0.9f, 0.005f),
        new(NeuronCost.CrossEntropy, 2.0f, 2.0f, 0.005f),
    ];

    /// <summary>Trains the neuron for <paramref name="epochs"/> steps and records the cost and output before each step and after the last.</summary>
    /// <param name="run">The cost, start and learning rate.</param>
    /// <param name="epochs">The number of gradient-descent steps (one example per step, so one step per epoch).</param>
    /// <returns>The costs and outputs after 0, 1, …, <paramref name="epochs"/> epochs.</returns>
    public static NeuronTrajectory Train(NeuronRun run, int epochs = BookEpochs)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epochs);
        float[] costs = new float[epochs + 1];
        float[] outputs = new float[epochs + 1];
        float weight = run.InitialWeight;
        float bias = run.InitialBias;
        ReadOnlySpan<float> input = [Input];
        ReadOnlySpan<float> target = [Target];
        Span<float> logit = stackalloc float[1];
        Span<float> logitGradient = stackalloc float[1];
        for (int epoch = 0; ; epoch++)
        {
            logit[0] = (weight * Input) + bias;
            costs[epoch] = CostAndGradient(run.Cost, logit, target, logitGradient);
            LogisticRegression.Predict(input, [weight], bias, outputs.AsSpan(epoch, 1));
            if (epoch == epochs)
            {
                return new NeuronTrajectory(run, costs, outputs);
            }

            weight -= run.LearningRate * Input * logitGradient[0];
            bias -= run.LearningRate * logitGradient[0];
        }
    }

    private static float CostAndGradient(NeuronCost cost, ReadOnlySpan<float> logit, ReadOnlySpan<float> target, Span<float> logitGradient) =>
        cost switch
        {
            NeuronCost.Quadratic => QuadraticCost.CostAndGradient(logit, target, logitGradient),
            NeuronCost.CrossEntropy => BinaryCrossEntropy.CostAndGradient(logit, target, logitGradient),
            _ => throw new ArgumentOutOfRangeException(nameof(cost), cost, "Unknown cost."),
        };
}
