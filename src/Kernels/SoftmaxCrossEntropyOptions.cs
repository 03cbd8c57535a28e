namespace Kernels;

/// <summary>
/// Optional behaviour of <see cref="SoftmaxCrossEntropy"/>, all applied inside the fused pass. The default value
/// (<c>default</c> or <c>new()</c>) means: no smoothing, no ignored label, unit class weights, no z-loss, no focal term.
/// </summary>
/// <remarks>
/// With row i, label y (or target row t), C classes, class weights w (1 when empty), smoothing ε and z-loss weight λ,
/// the per-class target weights are a_c = (1-ε)·w_y·[c = y] + (ε/C)·w_c for labels, a_c = w_c·((1-ε)·t_c + ε/C)
/// for probability targets; the row loss is Σc a_c·(lse - z_c) + λ·lse² with lse = ln Σc e^{z_c}, and its
/// gradient is (Σc a_c + 2λ·lse)·softmax(z)_c - a_c (PyTorch's CrossEntropyLoss semantics plus the z-loss term).
/// </remarks>
public readonly ref struct SoftmaxCrossEntropyOptions
{
    /// <summary>Label smoothing ε ∈ [0, 1] (PyTorch's label_smoothing): the target becomes (1-ε)·onehot + ε/C.</summary>
    public float LabelSmoothing { get; init; }

    /// <summary>
    /// A label value whose rows contribute no loss and a zero gradient row, and are not counted by
    /// <see cref="Reduction.Mean"/> (PyTorch's ignore_index; null: none). Only meaningful for class-index labels;
    /// probability-target overloads ignore it. When every row is ignored the cost is 0 and the gradient is all zeros
    /// (PyTorch returns NaN). The log-sum-exp output is still written for ignored rows.
    /// </summary>
    public int? IgnoreIndex { get; init; }

    /// <summary>
    /// Empty, or one weight per class (PyTorch's weight). With class-index labels, <see cref="Reduction.Mean"/>
    /// divides by the sum of the weights of the rows' labels (not ignored); with probability targets, by n.
    /// When that sum is 0 the cost is 0 and the gradient all zeros. Weights are not range-checked.
    /// </summary>
    public ReadOnlySpan<float> ClassWeights { get; init; }

    /// <summary>
    /// z-loss weight λ ≥ 0: adds λ·lse² per row (not class-weighted), the auxiliary term that keeps large-vocabulary
    /// logits bounded. With λ &gt; 0 a row whose log-sum-exp is infinite has an infinite loss and an infinite or NaN gradient.
    /// </summary>
    public float ZLossWeight { get; init; }

    /// <summary>
    /// Focal loss γ ≥ 0 (finite; 0, the default, is cross-entropy, bit for bit): the row loss becomes
    /// -w_y·(1 - p_y)^γ·ln p_y + λ·lse² (Lin et al., 2017), with the class weights w as the per-class α and
    /// <see cref="Reduction.Mean"/> dividing by Σ w_y as for cross-entropy. Class-index labels only, with the ignore
    /// index, class weights and z-loss; γ &gt; 0 with label smoothing or probability targets throws
    /// <see cref="ArgumentException"/>. Computed from the row's exact sums, so the loss and gradient stay finite and
    /// accurate for every γ, 0 &lt; γ &lt; 1 included, at p_y → 1 and p_y → 0. A NaN logit makes the row NaN.
    /// </summary>
    public float FocalGamma { get; init; }
}
