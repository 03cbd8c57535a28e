namespace Kernels;

/// <summary>How a loss reduces per-sample losses to one cost.</summary>
public enum Reduction
{
    /// <summary>The sum of the per-sample losses; the gradient is that of the sum (scale 1).</summary>
    Sum,

    /// <summary>
    /// The sum divided by the number of samples n (the number of rows for multi-output losses); the gradient is
    /// scaled by 1/n. An empty batch (n = 0) costs 0, not NaN.
    /// </summary>
    Mean,
}
