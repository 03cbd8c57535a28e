using System.Globalization;
using Kernels.Tests.Support;
using ReferenceQc = Kernels.Reference.QuadraticCost;

namespace Kernels.Tests;

/// <summary>
/// Accuracy of every public method of <see cref="QuadraticCost"/> against the double-precision reference
/// <see cref="ReferenceQc"/>, the limits at NaN and ±∞, in-place use, and every documented exception (thrown by both
/// implementations before anything is written). The calls reuse the binary cross-entropy harness's
/// <see cref="BceBuffers"/> (the same flat logits/targets/gradient/losses shape).
/// </summary>
/// <remarks>
/// <para><b>Tolerances</b> (u = 2^-24). <see cref="QuadraticCost"/> documents no accuracy of its own, so the bounds
/// are derived from what its operator computes and from the documented accuracy of <see cref="BinaryCrossEntropy"/>,
/// whose logits operator forms e = e^{-|z|}, q = σ(-|z|) = e/(1+e) and the error σ(z) - y with the same
/// instructions (the same bits):</para>
/// <list type="bullet">
/// <item>the error ε = σ(z) - y is BCE's gradient for s = 1: within 4 ulp (≤ 8u relative) for y ∈ {0, 1}, within
/// 2^-22 = 4u absolute for soft y;</item>
/// <item>q itself is BCE's gradient for y = 1, z ≥ 0 ((1 - 1) - q = -q exactly): within 8u relative; so 1 - q
/// (q ≤ ½) is within 8u·q/(1-q) + u ≤ 9u, and σ' = q·(1 - q) within 8u + 9u + u = 18u;</item>
/// <item>loss = (½·ε)·ε (½·ε exact): hard targets 2·8u + u = <b>17u relative</b>; soft targets
/// |ε|·4u + (4u)²/2 + u·loss ≤ <b>5u·(|ε| + 4u) absolute</b> (|ε| ≤ 1 for y ∈ [0, 1], so loss ≤ |ε|/2);</item>
/// <item>gradient = fl(fl(ε·σ')·s), s = 1/n rounded to float (exact for Sum): hard targets 8u + 18u + u + u + u =
/// <b>29u relative</b>; soft targets s·σ'·(4u + 21u·|ε|) ≤ <b>25u·s·σ' absolute</b>;</item>
/// <item>cost: the float losses are summed with double partials and rounded once (documented for BCE's driver, which
/// this class shares): hard targets 17u + u = <b>18u relative</b> (all losses ≥ 0: no cancellation); with soft targets
/// s·Σ(9u·(|ε_i| + 4u)) + u·C ≤ <b>10u·s·Σ(|ε_i| + 4u) absolute</b> (a hard element's 17u·ε²/2 ≤ 9u·|ε|).</item>
/// </list>
/// <para>Below the normal range BCE documents "within one smallest normal" instead of ulps, which reaches the
/// gradient as |ε|·s·2^-126 plus the subnormal roundings of the two products: the gradient bounds add
/// 2·2^-126 absolute, the hard loss and cost bounds one smallest normal per element (scaled by s for the cost).
/// The soft loss and cost bounds need no floor: their 4u term (20u² ≈ 7e-14 per element) dwarfs it.</para>
/// </remarks>
public class QuadraticCostTests
{
    private const double U = Tolerance.UnitRoundoff;

    /// <summary>Every length 0..300 (every split into 32-lane groups and a tail, at every width) and a few large ones.</summary>
    private static readonly int[] Lengths = [.. Enumerable.Range(0, 301), 1000, 4097, 65_537];

    public static TheoryData<string> AllOverloads => [.. QcOverloads.All.Select(o => o.Name)];

    [Theory]
    [MemberData(nameof(AllOverloads))]
    public void EveryOverloadMatchesTheReferenceAtEveryLength(string overload)
    {
        QcOverload o = QcOverloads.Named(overload);
        AccuracyReport report = new();
        int seed = 0;
        foreach (int length in Lengths)
        {
            foreach (TargetKind targets in Enum.GetValues<TargetKind>())
            {
                foreach (bool nonFinite in (bool[])[false, true])
                {
                    foreach (Reduction reduction in (Reduction[])[Reduction.Sum, Reduction.Mean])
                    {
                        seed++;
                        float[] logits = TestInputs.Logits(length, seed, nonFinite);
                        BceBuffers call = BceBuffers.Create(
                            logits, TestInputs.Targets(targets, logits, predictionsAreLogits: true, seed + 1), reduction: reduction,
                            label: $"{length} elements, {targets} targets{(nonFinite ? ", with ±∞/NaN" : string.Empty)}, seed {seed}");
                        QcAccuracy.Verify(o, call, report);
                    }
                }
            }
        }

        report.WriteToTestOutput($"QuadraticCost.{overload} vs Reference.QuadraticCost, lengths 0..300, 1000, 4097, 65537");
        report.AssertAllWithinTolerance();
    }

    /// <summary>
    /// Extreme logits (±0, tiny, ±30, ±100, ±1e30, ±MaxValue, ±∞; NaN is left to the NaN test so that the cost of
    /// the sweep is a number to compare) plus every rounding regime of
    /// e^{-|z|} (a grid z = k/64 over [-110, 110]: e leaves the normal range at |z| ≈ 87.3 and underflows at ≈ 103.3)
    /// and every 4093rd float of both signs, against targets 0, 1 and soft ones, under both reductions.
    /// </summary>
    [Fact]
    public void ExtremeLogitsAndADenseSweepMatchTheReference()
    {
        List<float> logits =
        [
            0f, -0f, float.Epsilon, -float.Epsilon, 1e-30f, -1e-30f, TestInputs.SmallestNormal, -TestInputs.SmallestNormal,
            30f, -30f, 100f, -100f, 1e30f, -1e30f, float.MaxValue, -float.MaxValue,
            float.PositiveInfinity, float.NegativeInfinity,
        ];
        logits.AddRange(Enumerable.Range(-110 * 64, (220 * 64) + 1).Select(k => k / 64f));
        for (int bits = 1; bits < 0x7F800000; bits += 4093)
        {
            float z = BitConverter.Int32BitsToSingle(bits);
            logits.Add(z);
            logits.Add(-z);
        }

        AccuracyReport report = new();
        foreach (float y in (float[])[0f, 1f, 0.25f, 0.5f, 0.9f, 1e-7f, MathF.BitDecrement(1f)])
        {
            foreach (Reduction reduction in (Reduction[])[Reduction.Sum, Reduction.Mean])
            {
                float[] targets = new float[logits.Count];
                targets.AsSpan().Fill(y);
                BceBuffers call = BceBuffers.Create([.. logits], targets, reduction: reduction, label: Invariant($"sweep, y={y:R}"));
                QcAccuracy.Verify(QcOverloads.Named("CostAndGradient(gradient, losses)"), call, report);
            }
        }

        report.WriteToTestOutput($"QuadraticCost extreme logits and sweep ({logits.Count:N0} logits × 7 targets × 2 reductions)");
        report.AssertAllWithinTolerance();
    }

    /// <summary>
    /// Documented: z = ±∞ give σ = 1 or 0 exactly, so the loss is ½(1-y)² or ½y² and the gradient 0 (σ' = 0), in
    /// the vector body and in the tail (37 = 32 + 5 elements), for the kernel and the reference alike.
    /// </summary>
    [Theory]
    [MemberData(nameof(BinaryCrossEntropyTests.InfiniteLogitCases), MemberType = typeof(BinaryCrossEntropyTests))]
    public void InfiniteLogitGivesTheExactLimit(float z, float y, Reduction reduction)
    {
        const int N = 37;
        float expectedLoss = (float)(0.5 * (z > 0 ? 1.0 - y : (double)y) * (z > 0 ? 1.0 - y : (double)y));
        foreach (bool reference in (bool[])[false, true])
        {
            float[] logits = Enumerable.Repeat(z, N).ToArray(), targets = Enumerable.Repeat(y, N).ToArray();
            float[] gradient = new float[N], losses = new float[N];
            float cost = reference
                ? ReferenceQc.CostAndGradient(logits, targets, gradient, losses, reduction)
                : QuadraticCost.CostAndGradient(logits, targets, gradient, losses, reduction);
            string who = reference ? "reference" : "kernel";
            Assert.All(losses, loss => Assert.Equal(expectedLoss, loss));
            Assert.All(gradient, g => Assert.True(g == 0f, $"{who}: gradient {g} at z={z}, y={y}"));
            // The Mean of N equal losses is that loss; the Sum is N of them (exact here: ½(1-y)² has few bits).
            Assert.Equal(reduction == Reduction.Mean ? expectedLoss : expectedLoss * N, cost);
        }
    }

    /// <summary>NaN in one logit or target gives NaN in that element's loss and gradient and in the cost, nothing else.</summary>
    [Theory]
    [InlineData(false, 0)]
    [InlineData(false, 16)]
    [InlineData(false, 31)]
    [InlineData(false, 38)]
    [InlineData(true, 7)]
    [InlineData(true, 32)]
    public void NaNInOneLogitOrTargetGivesNaNInThatElementAndTheCostOnly(bool inTarget, int position)
    {
        float[] logits = TestInputs.Logits(39, 39), targets = TestInputs.Targets(TargetKind.Soft, logits, true, 40);
        foreach (bool reference in (bool[])[false, true])
        {
            (float cleanCost, float[] cleanGradient, float[] cleanLosses) = Run(reference, logits, targets);
            float[] poisonedLogits = (float[])logits.Clone(), poisonedTargets = (float[])targets.Clone();
            (inTarget ? poisonedTargets : poisonedLogits)[position] = float.NaN;
            (float cost, float[] gradient, float[] losses) = Run(reference, poisonedLogits, poisonedTargets);
            Assert.False(float.IsNaN(cleanCost));
            Assert.True(float.IsNaN(cost), $"cost {cost}");
            foreach ((float[] clean, float[] poisoned, string what) in new[] { (cleanGradient, gradient, "gradient"), (cleanLosses, losses, "losses") })
            {
                Assert.True(float.IsNaN(poisoned[position]), $"{what}[{position}] = {poisoned[position]}");
                Bitwise.AssertEqual(clean.AsSpan(0, position), poisoned.AsSpan(0, position), what);
                Bitwise.AssertEqual(clean.AsSpan(position + 1), poisoned.AsSpan(position + 1), what);
            }
        }

        static (float Cost, float[] Gradient, float[] Losses) Run(bool reference, float[] logits, float[] targets)
        {
            float[] gradient = new float[logits.Length], losses = new float[logits.Length];
            float cost = reference
                ? ReferenceQc.CostAndGradient(logits, targets, gradient, losses, Reduction.Mean)
                : QuadraticCost.CostAndGradient(logits, targets, gradient, losses, Reduction.Mean);
            return (cost, gradient, losses);
        }
    }

    public static TheoryData<string, string, bool> InPlaceCases()
    {
        TheoryData<string, string, bool> cases = [];
        foreach (bool reference in (bool[])[false, true])
        {
            cases.Add("Losses", "losses", reference);
            cases.Add("CostAndGradient", "gradient", reference);
            cases.Add("CostAndGradient(gradient, losses)", "gradient", reference);
            cases.Add("CostAndGradient(gradient, losses)", "losses", reference);
        }

        return cases;
    }

    /// <summary>
    /// Documented: an output may be exactly the memory of the logits (one of the two, for the fused method). The
    /// result is bit for bit that of separate arrays (n = 77: groups of 32 and a tail), kernel and reference alike.
    /// </summary>
    [Theory]
    [MemberData(nameof(InPlaceCases))]
    public void OutputsMayBeExactlyTheLogits(string overload, string inPlace, bool reference)
    {
        QcOverload o = QcOverloads.Named(overload);
        float[] logits = TestInputs.Logits(77, 77, nonFinite: true);
        float[] targets = TestInputs.Targets(TargetKind.Soft, logits, true, 78);
        BceBuffers separate = BceBuffers.Create((float[])logits.Clone(), targets, reduction: Reduction.Mean);
        float expectedCost = o.Invoke(reference, separate);

        BceBuffers aliased = BceBuffers.Create((float[])logits.Clone(), targets, reduction: Reduction.Mean);
        if (inPlace == "gradient")
        {
            aliased.Gradient = aliased.Predictions;
        }
        else
        {
            aliased.Losses = aliased.Predictions;
        }

        float cost = o.Invoke(reference, aliased);
        if (o.Writes.HasFlag(BceOutputs.Cost))
        {
            Bitwise.AssertEqual(expectedCost, cost, "cost");
        }

        Bitwise.AssertEqual((inPlace == "gradient" ? separate.Gradient : separate.Losses).Span, aliased.Predictions.Span, $"{inPlace} written over the logits");
        if (inPlace == "gradient" && o.Writes.HasFlag(BceOutputs.Losses))
        {
            Bitwise.AssertEqual(separate.Losses.Span, aliased.Losses.Span, "losses");
        }
        else if (inPlace == "losses" && o.Writes.HasFlag(BceOutputs.Gradient))
        {
            Bitwise.AssertEqual(separate.Gradient.Span, aliased.Gradient.Span, "gradient");
        }
    }

    // ---- Arguments: every documented exception, thrown before anything is written, by the kernel and the reference.

    // n = 37; every span at a fixed offset of one arena: logits [0, 37), targets [40, 77), gradient [80, 117), losses [120, 157).
    private const int N = 37, Z = 0, Y = 40, G = 80, L = 120, ArenaLength = 160;

    /// <summary>A bad call: which spans (offset, length) of the arena go where, and the reduction.</summary>
    public sealed record BadCall(string Name, int Zn = N, int Y = Y, int Yn = N, int G = G, int Gn = N, int L = L, int Ln = N, Reduction Reduction = Reduction.Mean)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<string, BadCall, Type, string[]> BadCalls()
    {
        const string Fused = "CostAndGradient(gradient, losses)";
        TheoryData<string, BadCall, Type, string[]> cases = [];
        foreach (QcOverload o in QcOverloads.All)
        {
            bool gradient = o.Writes.HasFlag(BceOutputs.Gradient), losses = o.Writes.HasFlag(BceOutputs.Losses);
            Add(new("targets one shorter", Yn: N - 1), typeof(ArgumentException), "targets");
            Add(new("targets one longer", Yn: N + 1), typeof(ArgumentException), "targets");
            if (o.TakesReduction)
            {
                Add(new("reduction 2 (undefined)", Reduction: (Reduction)2), typeof(ArgumentOutOfRangeException), "reduction");
                Add(new("reduction -1 (undefined)", Reduction: (Reduction)(-1)), typeof(ArgumentOutOfRangeException), "reduction");
            }

            if (gradient)
            {
                Add(new("gradient one shorter", Gn: N - 1), typeof(ArgumentException), "gradient");
                Add(new("gradient one longer", Gn: N + 1), typeof(ArgumentException), "gradient");
                Add(new("gradient one element after the logits", G: Z + 1), typeof(ArgumentException), "gradient");
                Add(new("gradient exactly the targets", G: Y), typeof(ArgumentException), "gradient");
                Add(new("gradient one element after the targets", G: Y + 1), typeof(ArgumentException), "gradient");
                Add(new("gradient one element before the targets", G: Y - 1), typeof(ArgumentException), "gradient");
            }

            if (losses)
            {
                Add(new("losses one shorter", Ln: N - 1), typeof(ArgumentException), "losses");
                Add(new("losses one longer", Ln: N + 1), typeof(ArgumentException), "losses");
                Add(new("losses one element after the logits", L: Z + 1), typeof(ArgumentException), "losses");
                Add(new("losses exactly the targets", L: Y), typeof(ArgumentException), "losses");
                Add(new("losses one element before the targets", L: Y - 1), typeof(ArgumentException), "losses");
            }

            if (o.Name == Fused)
            {
                // The docs say "the destinations overlap", naming neither.
                Add(new("losses exactly the gradient", L: G), typeof(ArgumentException), "gradient", "losses");
                Add(new("losses one element into the gradient", L: G + 1), typeof(ArgumentException), "gradient", "losses");
                Add(new("gradient and losses both exactly the logits", G: Z, L: Z), typeof(ArgumentException), "gradient", "losses");
            }

            void Add(BadCall call, Type exception, params string[] names) => cases.Add(o.Name, call, exception, names);
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(BadCalls))]
    public void EveryDocumentedExceptionIsThrownBeforeAnythingIsWritten(string overload, BadCall call, Type exception, string[] parameterNames)
    {
        QcOverload o = QcOverloads.Named(overload);
        foreach (bool reference in (bool[])[false, true])
        {
            float[] arena = Arena();
            float[] before = (float[])arena.Clone();
            BceBuffers buffers = new()
            {
                Predictions = arena.AsMemory(Z, call.Zn),
                Targets = arena.AsMemory(call.Y, call.Yn),
                Gradient = arena.AsMemory(call.G, call.Gn),
                Losses = arena.AsMemory(call.L, call.Ln),
                Reduction = call.Reduction,
            };
            ArgumentException thrown = (ArgumentException)Assert.Throws(exception, () => o.Invoke(reference, buffers));
            Assert.Contains(thrown.ParamName, parameterNames);
            Bitwise.AssertEqual(before, arena, $"{(reference ? "reference" : "kernel")} {overload}, {call}: arena after the throw");
        }
    }

    [Fact]
    public void TheArenaLayoutItselfIsValid()
    {
        foreach (QcOverload o in QcOverloads.All)
        {
            foreach (bool reference in (bool[])[false, true])
            {
                float[] arena = Arena();
                BceBuffers buffers = new()
                {
                    Predictions = arena.AsMemory(Z, N),
                    Targets = arena.AsMemory(Y, N),
                    Gradient = arena.AsMemory(G, N),
                    Losses = arena.AsMemory(L, N),
                };
                o.Invoke(reference, buffers);
            }
        }
    }

    /// <summary>An empty batch costs 0 under both reductions, kernel and reference.</summary>
    [Fact]
    public void EmptyInputCostsZero()
    {
        foreach (Reduction reduction in (Reduction[])[Reduction.Sum, Reduction.Mean])
        {
            Assert.Equal(0f, QuadraticCost.Cost([], [], reduction));
            Assert.Equal(0f, ReferenceQc.Cost([], [], reduction));
            Assert.Equal(0f, QuadraticCost.CostAndGradient([], [], [], [], reduction));
            Assert.Equal(0f, ReferenceQc.CostAndGradient([], [], [], [], reduction));
        }
    }

    /// <summary>Every public method, kernel and reference, allocates nothing once warmed up (n = 10,000).</summary>
    [Fact]
    public void EveryPublicMethodAllocatesNothing()
    {
        float[] logits = TestInputs.Logits(10_000, 5);
        BceBuffers call = BceBuffers.Create(logits, TestInputs.Targets(TargetKind.Soft, logits, true, 6));
        foreach (bool reference in (bool[])[false, true])
        {
            foreach (QcOverload o in QcOverloads.All)
            {
                o.Invoke(reference, call);
                Action invoke = () => o.Invoke(reference, call);
                Assert.Equal(0, Allocations.QuietestWindow(invoke));
            }
        }
    }

    private static float[] Arena()
    {
        float[] arena = new float[ArenaLength];
        for (int i = 0; i < arena.Length; i++)
        {
            arena[i] = BceBuffers.Unwritten + i; // outputs and gaps: sentinels no kernel would write
        }

        TestInputs.Logits(N, 3).CopyTo(arena, Z);
        TestInputs.Targets(TargetKind.Soft, arena.AsSpan(Z, N), true, 4).CopyTo(arena, Y);
        return arena;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>One public method of <see cref="QuadraticCost"/> (and of the reference): what it writes, and the call.</summary>
public sealed record QcOverload(string Name, BceOutputs Writes, bool TakesReduction, Func<bool, BceBuffers, float> Invoke)
{
    public override string ToString() => Name;
}

/// <summary>The four public methods; the first argument of <see cref="QcOverload.Invoke"/> picks the reference. Void methods return NaN.</summary>
public static class QcOverloads
{
    public static readonly QcOverload[] All =
    [
        new("Losses", BceOutputs.Losses, false, static (reference, b) =>
        {
            if (reference)
            {
                ReferenceQc.Losses(b.Predictions.Span, b.Targets.Span, b.Losses.Span);
            }
            else
            {
                QuadraticCost.Losses(b.Predictions.Span, b.Targets.Span, b.Losses.Span);
            }

            return float.NaN;
        }),
        new("Cost", BceOutputs.Cost, true, static (reference, b) => reference
            ? ReferenceQc.Cost(b.Predictions.Span, b.Targets.Span, b.Reduction)
            : QuadraticCost.Cost(b.Predictions.Span, b.Targets.Span, b.Reduction)),
        new("CostAndGradient", BceOutputs.Cost | BceOutputs.Gradient, true, static (reference, b) => reference
            ? ReferenceQc.CostAndGradient(b.Predictions.Span, b.Targets.Span, b.Gradient.Span, b.Reduction)
            : QuadraticCost.CostAndGradient(b.Predictions.Span, b.Targets.Span, b.Gradient.Span, b.Reduction)),
        new("CostAndGradient(gradient, losses)", BceOutputs.Cost | BceOutputs.Gradient | BceOutputs.Losses, true, static (reference, b) => reference
            ? ReferenceQc.CostAndGradient(b.Predictions.Span, b.Targets.Span, b.Gradient.Span, b.Losses.Span, b.Reduction)
            : QuadraticCost.CostAndGradient(b.Predictions.Span, b.Targets.Span, b.Gradient.Span, b.Losses.Span, b.Reduction)),
    ];

    public static QcOverload Named(string name) => All.Single(o => o.Name == name);
}

/// <summary>
/// Runs an overload of the kernel, computes the exact results with <see cref="ReferenceQc.LogitLoss"/>, and records
/// every output under the tolerance derived in <see cref="QuadraticCostTests"/>' remarks. Also checks that the
/// reference's own float outputs are those exact values rounded once.
/// </summary>
public static class QcAccuracy
{
    private const double U = Tolerance.UnitRoundoff;

    public static readonly Tolerance HardLoss = Tolerance.Relative(17 * U);
    public static readonly Tolerance SoftLoss = Tolerance.Absolute(5 * U, "(|σ(z)-y|+4u)");
    public static readonly Tolerance HardGradient = Tolerance.Relative(29 * U);
    public static readonly Tolerance SoftGradient = new AbsoluteWithFloor(25 * U, "s·σ'(z)", 2);
    public static readonly Tolerance HardCost = Tolerance.Relative(18 * U);
    public static readonly Tolerance SoftCost = Tolerance.Absolute(10 * U, "s·Σ(|σ(z)-y|+4u)");

    public static void Verify(QcOverload overload, BceBuffers call, AccuracyReport report) =>
        Check(overload, call, overload.Invoke(false, call), report);

    /// <summary>Records each output of a call already made (its outputs in <paramref name="call"/>, its result <paramref name="cost"/>).</summary>
    public static void Check(QcOverload overload, BceBuffers call, float cost, AccuracyReport report)
    {
        BceBuffers referenceCall = call.Clone();
        float referenceCost = overload.Invoke(true, referenceCall);
        int n = call.Predictions.Length;
        if (n == 0)
        {
            Assert.True(!overload.Writes.HasFlag(BceOutputs.Cost) || (cost == 0 && referenceCost == 0), $"empty batch cost {cost} / {referenceCost} is not 0");
            return;
        }

        ReadOnlySpan<float> logits = call.Predictions.Span, targets = call.Targets.Span;
        double s = call.Reduction == Reduction.Mean ? 1.0 / n : 1.0;
        double total = 0, softScale = 0;
        bool allHard = true;
        for (int i = 0; i < n; i++)
        {
            double z = logits[i], y = targets[i];
            double loss = ReferenceQc.LogitLoss(z, y, out double gradient);
            double e = Math.Exp(-Math.Abs(z));
            double error = z >= 0 ? (1 - y) - (e / (1 + e)) : (e / (1 + e)) - y;
            double slope = e / ((1 + e) * (1 + e));
            bool hard = y is 0 or 1;
            allHard &= hard;
            total += loss;
            softScale += Math.Abs(error) + (4 * U);
            if (overload.Writes.HasFlag(BceOutputs.Gradient))
            {
                double exact = s * gradient;
                AssertReferenceEqual((float)exact, referenceCall.Gradient.Span[i], $"reference gradient[{i}] of {call.Label}");
                if (hard)
                {
                    report.For("gradient, hard targets", HardGradient).Add(call.Gradient.Span[i], exact, 2, call.DescribeElement, i);
                }
                else
                {
                    report.For("gradient, soft targets", SoftGradient).Add(call.Gradient.Span[i], exact, s * slope, call.DescribeElement, i);
                }
            }

            if (overload.Writes.HasFlag(BceOutputs.Losses))
            {
                AssertReferenceEqual((float)loss, referenceCall.Losses.Span[i], $"reference loss[{i}] of {call.Label}");
                if (hard)
                {
                    report.For("loss, hard targets", HardLoss).Add(call.Losses.Span[i], loss, 1, call.DescribeElement, i);
                }
                else
                {
                    report.For("loss, soft targets", SoftLoss).Add(call.Losses.Span[i], loss, Math.Abs(error) + (4 * U), call.DescribeElement, i);
                }
            }
        }

        if (overload.Writes.HasFlag(BceOutputs.Cost))
        {
            double exactCost = call.Reduction == Reduction.Mean ? total / n : total;
            AssertReferenceEqual((float)exactCost, referenceCost, $"reference cost of {call.Label}");
            if (allHard)
            {
                report.For("cost, hard targets", HardCost).Add(cost, exactCost, s * n, call.DescribeCase, 0);
            }
            else
            {
                report.For("cost, soft targets", SoftCost).Add(cost, exactCost, s * softScale, call.DescribeCase, 0);
            }
        }
    }

    /// <summary>
    /// The reference's float outputs are the exact values rounded, bit for bit, except which NaN: the reference
    /// promises no NaN payload (the kernels do), and with NaNs of different payloads in the inputs it may keep another.
    /// </summary>
    private static void AssertReferenceEqual(float expected, float actual, string what)
    {
        if (!(float.IsNaN(expected) && float.IsNaN(actual)))
        {
            Bitwise.AssertEqual(expected, actual, what);
        }
    }

    /// <summary>Absolute error within Bound × scale, plus <see cref="FloorNormals"/> smallest normals (results below the normal range).</summary>
    private sealed record AbsoluteWithFloor(double Bound, string UnitName, double FloorNormals) : Tolerance
    {
        protected override Measurement MeasureFinite(double difference, double exact, double scale)
        {
            double allowance = Bound * scale, floor = FloorNormals * SmallestNormal;
            return new(difference, allowance + floor, scale > 0 ? difference / scale : double.PositiveInfinity, OnFloor: allowance < floor);
        }

        public override string Format(double error) =>
            string.Create(CultureInfo.InvariantCulture, $"{error / UnitRoundoff:0.###}·2^-24·{UnitName} absolute");

        public override string ToString() =>
            string.Create(CultureInfo.InvariantCulture, $"{Bound / UnitRoundoff}·2^-24·{UnitName} + {FloorNormals}·2^-126 absolute");
    }
}
