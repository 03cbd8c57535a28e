using System.Runtime.InteropServices;
using Kernels.Tests.Support;
using Ref = Kernels.Reference.SoftmaxCrossEntropy;

namespace Kernels.Tests;

/// <summary>
/// Bad arguments, for the fast class and the reference alike: every documented exception (type and parameter
/// name), thrown before anything is written — the whole memory (inputs and outputs) is compared bit for bit
/// before and after. All spans live in one arena so that any output can be made to overlap any input, the labels
/// included (an int span over the same memory).
/// </summary>
public class SoftmaxCrossEntropyArgumentTests
{
    private const int Rows = 3, Classes = 4, Cells = Rows * Classes;

    public delegate float GeneralLabels(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> gradient, Span<float> losses, Span<float> logSumExp, SoftmaxCrossEntropyOptions options, Reduction reduction);

    public delegate float GeneralTargets(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, int classCount, Span<float> gradient, Span<float> losses, Span<float> logSumExp, SoftmaxCrossEntropyOptions options, Reduction reduction);

    public delegate void LossesMethod(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> losses);

    public delegate float CostMethod(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Reduction reduction);

    public delegate float LabelGradient(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> gradient, Reduction reduction);

    public delegate float TargetGradient(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, int classCount, Span<float> gradient, Reduction reduction);

    /// <summary>The six public methods of one implementation.</summary>
    public sealed record Implementation(
        string Name, LossesMethod Losses, CostMethod Cost, LabelGradient CostAndGradient, TargetGradient CostAndGradientTargets,
        GeneralLabels General, GeneralTargets GeneralTargetsMethod)
    {
        public override string ToString() => Name;
    }

    private static Implementation Get(string name) => name == "fast"
        ? new("fast", SoftmaxCrossEntropy.Losses, SoftmaxCrossEntropy.Cost, SoftmaxCrossEntropy.CostAndGradient, SoftmaxCrossEntropy.CostAndGradient, SoftmaxCrossEntropy.CostAndGradient, SoftmaxCrossEntropy.CostAndGradient)
        : new("reference", Ref.Losses, Ref.Cost, Ref.CostAndGradient, Ref.CostAndGradient, Ref.CostAndGradient, Ref.CostAndGradient);

    /// <summary>
    /// One block of memory holding every span at a known offset (gaps of 8 floats between them), filled with
    /// recognisable values; <see cref="Snapshot"/>/<see cref="AssertUnchanged"/> compare all of it.
    /// </summary>
    private sealed class Arena
    {
        public const int Logits = 0, Targets = 20, Weights = 40, Gradient = 52, Losses = 72, Lse = 83, Labels = 94, Length = 110;
        public readonly float[] Memory = new float[Length];
        private float[] _snapshot = [];

        public Arena()
        {
            Random random = new(2);
            for (int i = 0; i < Length; i++)
            {
                Memory[i] = 1000f + i; // outputs and gaps: sentinels that no kernel would write
            }

            for (int i = 0; i < Cells; i++)
            {
                Memory[Logits + i] = (float)(random.NextDouble() * 4 - 2);
                Memory[Targets + i] = 0.25f;
            }

            for (int c = 0; c < Classes; c++)
            {
                Memory[Weights + c] = 1f + c;
            }

            Span<int> labels = LabelSpan(Labels);
            for (int i = 0; i < Rows; i++)
            {
                labels[i] = i % Classes;
            }
        }

        public Span<float> At(int offset, int length) => Memory.AsSpan(offset, length);

        public Span<int> LabelSpan(int offset) => MemoryMarshal.Cast<float, int>(Memory.AsSpan(offset, Rows));

        public void Snapshot() => _snapshot = (float[])Memory.Clone();

        public void AssertUnchanged(string what)
        {
            for (int i = 0; i < Length; i++)
            {
                Assert.True(
                    BitConverter.SingleToInt32Bits(_snapshot[i]) == BitConverter.SingleToInt32Bits(Memory[i]),
                    $"{what}: memory at {i} changed from {_snapshot[i]} to {Memory[i]} although the call threw");
            }
        }
    }

    /// <summary>Where each span of a call starts (and how long the outputs are); the default is the arena's layout.</summary>
    private sealed record Layout
    {
        public int Logits { get; init; } = Arena.Logits;
        public int LogitsLength { get; init; } = Cells;
        public int Targets { get; init; } = Arena.Targets;
        public int TargetsLength { get; init; } = Cells;
        public int Weights { get; init; } = Arena.Weights;
        public int WeightsLength { get; init; }
        public int Gradient { get; init; } = Arena.Gradient;
        public int GradientLength { get; init; } = Cells;
        public int Losses { get; init; } = Arena.Losses;
        public int LossesLength { get; init; } = Rows;
        public int Lse { get; init; } = Arena.Lse;
        public int LseLength { get; init; } = Rows;
        public int Labels { get; init; } = Arena.Labels;
        public int LabelsLength { get; init; } = Rows;
    }

    /// <summary>A call expected to throw <typeparamref name="TException"/> (exactly) naming <paramref name="parameter"/>.</summary>
    private static void ExpectThrows<TException>(string parameter, string what, Arena arena, Action call)
        where TException : ArgumentException
    {
        arena.Snapshot();
        TException exception = Assert.Throws<TException>(call);
        Assert.True(
            parameter.EndsWith('*') ? exception.ParamName?.StartsWith(parameter.TrimEnd('*'), StringComparison.Ordinal) == true : exception.ParamName == parameter,
            $"{what}: ParamName '{exception.ParamName}', expected '{parameter}'");
        arena.AssertUnchanged(what);
    }

    private static float CallGeneralLabels(Implementation impl, Arena arena, Layout layout, SoftmaxCrossEntropyOptions options, Reduction reduction = Reduction.Mean)
    {
        Span<int> labels = MemoryMarshal.Cast<float, int>(arena.Memory.AsSpan(layout.Labels, layout.LabelsLength));
        SoftmaxCrossEntropyOptions withWeights = new()
        {
            LabelSmoothing = options.LabelSmoothing,
            IgnoreIndex = options.IgnoreIndex,
            ZLossWeight = options.ZLossWeight,
            ClassWeights = options.ClassWeights.IsEmpty && layout.WeightsLength > 0 ? arena.At(layout.Weights, layout.WeightsLength) : options.ClassWeights,
        };
        return impl.General(
            arena.At(layout.Logits, layout.LogitsLength), labels, arena.At(layout.Gradient, layout.GradientLength),
            arena.At(layout.Losses, layout.LossesLength), arena.At(layout.Lse, layout.LseLength), withWeights, reduction);
    }

    private static float CallGeneralTargets(Implementation impl, Arena arena, Layout layout, SoftmaxCrossEntropyOptions options, int classCount = Classes, Reduction reduction = Reduction.Mean)
    {
        SoftmaxCrossEntropyOptions withWeights = new()
        {
            LabelSmoothing = options.LabelSmoothing,
            ZLossWeight = options.ZLossWeight,
            ClassWeights = layout.WeightsLength > 0 ? arena.At(layout.Weights, layout.WeightsLength) : default,
        };
        return impl.GeneralTargetsMethod(
            arena.At(layout.Logits, layout.LogitsLength), arena.At(layout.Targets, layout.TargetsLength), classCount,
            arena.At(layout.Gradient, layout.GradientLength), arena.At(layout.Losses, layout.LossesLength), arena.At(layout.Lse, layout.LseLength),
            withWeights, reduction);
    }

    public static TheoryData<string> Implementations => ["fast", "reference"];

    [Theory]
    [MemberData(nameof(Implementations))]
    public void ValidCalls_InTheArena_Succeed_AndLeaveInputsUnchanged(string name)
    {
        // The baseline for every test below: the same layout without the defect succeeds, so each exception is
        // caused by the one defect introduced; and a successful call writes only its outputs.
        Implementation impl = Get(name);
        Arena arena = new();
        float[] before = (float[])arena.Memory.Clone();
        CallGeneralLabels(impl, arena, new Layout { WeightsLength = Classes }, new() { LabelSmoothing = 0.1f, ZLossWeight = 0.01f, IgnoreIndex = -1 });
        CallGeneralTargets(impl, arena, new Layout { WeightsLength = Classes }, new() { LabelSmoothing = 0.1f });
        for (int i = 0; i < Arena.Length; i++)
        {
            bool isOutput = i is >= Arena.Gradient and < Arena.Gradient + Cells or >= Arena.Losses and < Arena.Losses + Rows or >= Arena.Lse and < Arena.Lse + Rows;
            Assert.True(isOutput || before[i] == arena.Memory[i], $"{name}: memory at {i} (not an output) changed");
        }

        // In-place (gradient exactly = logits) is allowed.
        CallGeneralLabels(impl, new Arena(), new Layout { Gradient = Arena.Logits }, default);
        CallGeneralTargets(impl, new Arena(), new Layout { Gradient = Arena.Logits }, default);
    }

    public static TheoryData<string, int> BadLabels()
    {
        TheoryData<string, int> data = [];
        foreach (string name in new[] { "fast", "reference" })
        {
            foreach (int label in new[] { -1, Classes, Classes + 1, int.MinValue, int.MaxValue, -100 })
            {
                data.Add(name, label);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(BadLabels))]
    public void LabelOutsideTheClasses_ThrowsArgumentOutOfRange_BeforeAnythingIsWritten(string name, int badLabel)
    {
        // The bad label is in the last row, so a kernel that validated row by row would already have written the
        // first rows' outputs. -100 is bad too unless it is the ignore index; an ignore index does not admit others.
        Implementation impl = Get(name);
        Arena arena = new();
        arena.LabelSpan(Arena.Labels)[Rows - 1] = badLabel;
        ExpectThrows<ArgumentOutOfRangeException>("labels", $"{name} general, label {badLabel}", arena,
            () => CallGeneralLabels(impl, arena, new Layout(), default));
        ExpectThrows<ArgumentOutOfRangeException>("labels", $"{name} general with ignore index 7, label {badLabel}", arena,
            () => CallGeneralLabels(impl, arena, new Layout(), new() { IgnoreIndex = 7 }));
        ExpectThrows<ArgumentOutOfRangeException>("labels", $"{name} Losses, label {badLabel}", arena,
            () => impl.Losses(arena.At(Arena.Logits, Cells), arena.LabelSpan(Arena.Labels), arena.At(Arena.Losses, Rows)));
        ExpectThrows<ArgumentOutOfRangeException>("labels", $"{name} Cost, label {badLabel}", arena,
            () => impl.Cost(arena.At(Arena.Logits, Cells), arena.LabelSpan(Arena.Labels), Reduction.Mean));
        ExpectThrows<ArgumentOutOfRangeException>("labels", $"{name} CostAndGradient, label {badLabel}", arena,
            () => impl.CostAndGradient(arena.At(Arena.Logits, Cells), arena.LabelSpan(Arena.Labels), arena.At(Arena.Gradient, Cells), Reduction.Sum));
        ExpectThrows<ArgumentOutOfRangeException>("labels", $"{name} in-place CostAndGradient, label {badLabel}", arena,
            () => impl.CostAndGradient(arena.At(Arena.Logits, Cells), arena.LabelSpan(Arena.Labels), arena.At(Arena.Logits, Cells), Reduction.Sum));

        // The same label is accepted when it is the ignore index.
        if (badLabel == -100)
        {
            CallGeneralLabels(impl, arena, new Layout(), new() { IgnoreIndex = -100 });
        }
    }

    /// <summary>One inconsistent length per case: the parameter the exception must name, the exception type, the call.</summary>
    private static readonly Dictionary<string, (string Parameter, bool OutOfRange, Action<Implementation, Arena> Call)> LengthCases = new()
    {
        // Class-index labels: C = logits.Length / n must be a positive whole number.
        ["11 logits for 3 labels"] = ("logits", false, (impl, arena) => CallGeneralLabels(impl, arena, new Layout { LogitsLength = 11, GradientLength = 0 }, default)),
        ["11 logits for 3 labels, Cost"] = ("logits", false, (impl, arena) => impl.Cost(arena.At(Arena.Logits, 11), arena.LabelSpan(Arena.Labels), Reduction.Sum)),
        ["11 logits for 3 labels, Losses"] = ("logits", false, (impl, arena) => impl.Losses(arena.At(Arena.Logits, 11), arena.LabelSpan(Arena.Labels), arena.At(Arena.Losses, Rows))),
        ["no logits for 3 labels"] = ("logits", false, (impl, arena) => impl.Cost(default, arena.LabelSpan(Arena.Labels), Reduction.Sum)),
        ["12 logits for no labels"] = ("logits", false, (impl, arena) => impl.Cost(arena.At(Arena.Logits, Cells), default, Reduction.Sum)),

        // Outputs: empty (not wanted) or exactly their length; the simple overloads' destinations are required.
        ["gradient of 11"] = ("gradient", false, (impl, arena) => CallGeneralLabels(impl, arena, new Layout { GradientLength = 11 }, default)),
        ["targets, gradient of 13"] = ("gradient", false, (impl, arena) => CallGeneralTargets(impl, arena, new Layout { GradientLength = 13 }, default)),
        ["losses of 2"] = ("losses", false, (impl, arena) => CallGeneralLabels(impl, arena, new Layout { LossesLength = 2 }, default)),
        ["targets, losses of 4"] = ("losses", false, (impl, arena) => CallGeneralTargets(impl, arena, new Layout { LossesLength = 4 }, default)),
        ["lse of 4"] = ("logSumExp", false, (impl, arena) => CallGeneralLabels(impl, arena, new Layout { LseLength = 4 }, default)),
        ["targets, lse of 2"] = ("logSumExp", false, (impl, arena) => CallGeneralTargets(impl, arena, new Layout { LseLength = 2 }, default)),
        ["simple CostAndGradient, gradient of 11"] = ("gradient", false, (impl, arena) => impl.CostAndGradient(arena.At(Arena.Logits, Cells), arena.LabelSpan(Arena.Labels), arena.At(Arena.Gradient, 11), Reduction.Mean)),
        ["simple CostAndGradient, empty gradient"] = ("gradient", false, (impl, arena) => impl.CostAndGradient(arena.At(Arena.Logits, Cells), arena.LabelSpan(Arena.Labels), default, Reduction.Mean)),
        ["simple targets CostAndGradient, empty gradient"] = ("gradient", false, (impl, arena) => impl.CostAndGradientTargets(arena.At(Arena.Logits, Cells), arena.At(Arena.Targets, Cells), Classes, default, Reduction.Mean)),
        ["Losses, destination of 2"] = ("losses", false, (impl, arena) => impl.Losses(arena.At(Arena.Logits, Cells), arena.LabelSpan(Arena.Labels), arena.At(Arena.Losses, 2))),
        // Documented "Destination, length n": an empty span is not "not wanted" here, the method has no other output.
        ["Losses, empty destination"] = ("losses", false, (impl, arena) => impl.Losses(arena.At(Arena.Logits, Cells), arena.LabelSpan(Arena.Labels), default)),

        // Probability targets: the same length as the logits, a whole number of rows of C ≥ 1.
        ["8 targets for 12 logits"] = ("targets", false, (impl, arena) => CallGeneralTargets(impl, arena, new Layout { TargetsLength = 8 }, default)),
        ["12 logits, C = 5"] = ("logits", false, (impl, arena) => CallGeneralTargets(impl, arena, new Layout { GradientLength = 0, LossesLength = 0, LseLength = 0 }, default, classCount: 5)),
        ["C = 0"] = ("classCount", true, (impl, arena) => CallGeneralTargets(impl, arena, new Layout { GradientLength = 0, LossesLength = 0, LseLength = 0 }, default, classCount: 0)),
        ["C = -4"] = ("classCount", true, (impl, arena) => CallGeneralTargets(impl, arena, new Layout { GradientLength = 0, LossesLength = 0, LseLength = 0 }, default, classCount: -4)),
        ["simple targets, C = 0"] = ("classCount", true, (impl, arena) => impl.CostAndGradientTargets(arena.At(Arena.Logits, Cells), arena.At(Arena.Targets, Cells), 0, arena.At(Arena.Gradient, Cells), Reduction.Mean)),

        // Class weights: empty or one per class.
        ["3 weights for 4 classes"] = ("options.ClassWeights", false, (impl, arena) => CallGeneralLabels(impl, arena, new Layout { WeightsLength = 3 }, default)),
        ["targets, 5 weights for 4 classes"] = ("options.ClassWeights", false, (impl, arena) => CallGeneralTargets(impl, arena, new Layout { WeightsLength = 5 }, default)),
    };

    public static TheoryData<string, string> LengthCaseNames()
    {
        TheoryData<string, string> data = [];
        foreach (string name in new[] { "fast", "reference" })
        {
            foreach (string key in LengthCases.Keys)
            {
                data.Add(name, key);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(LengthCaseNames))]
    public void InconsistentLength_ThrowsArgumentException_NamingTheParameter(string name, string lengthCase)
    {
        Implementation impl = Get(name);
        Arena arena = new();
        (string parameter, bool outOfRange, Action<Implementation, Arena> call) = LengthCases[lengthCase];
        if (outOfRange)
        {
            ExpectThrows<ArgumentOutOfRangeException>(parameter, $"{name}: {lengthCase}", arena, () => call(impl, arena));
        }
        else
        {
            // ArgumentException or a subclass (the simple overloads may report a length as out of range).
            arena.Snapshot();
            ArgumentException exception = Assert.ThrowsAny<ArgumentException>(() => call(impl, arena));
            Assert.True(exception.ParamName == parameter, $"{name}: {lengthCase}: ParamName '{exception.ParamName}', expected '{parameter}'");
            arena.AssertUnchanged($"{name}: {lengthCase}");
        }
    }

    [Theory]
    [MemberData(nameof(Implementations))]
    public void OutOfRangeOptionsAndReduction_ThrowArgumentOutOfRange(string name)
    {
        Implementation impl = Get(name);
        Arena arena = new();
        foreach (float smoothing in new[] { -0.01f, 1.0001f, float.NaN, float.PositiveInfinity, -0f - 1e-30f })
        {
            ExpectThrows<ArgumentOutOfRangeException>("options*", $"{name}: smoothing {smoothing}", arena, () => CallGeneralLabels(impl, arena, new Layout(), new() { LabelSmoothing = smoothing }));
            ExpectThrows<ArgumentOutOfRangeException>("options*", $"{name}: targets, smoothing {smoothing}", arena, () => CallGeneralTargets(impl, arena, new Layout(), new() { LabelSmoothing = smoothing }));
        }

        foreach (float zLoss in new[] { -1e-3f, float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            ExpectThrows<ArgumentOutOfRangeException>("options*", $"{name}: z-loss {zLoss}", arena, () => CallGeneralLabels(impl, arena, new Layout(), new() { ZLossWeight = zLoss }));
            ExpectThrows<ArgumentOutOfRangeException>("options*", $"{name}: targets, z-loss {zLoss}", arena, () => CallGeneralTargets(impl, arena, new Layout(), new() { ZLossWeight = zLoss }));
        }

        foreach (Reduction reduction in new[] { (Reduction)2, (Reduction)(-1) })
        {
            ExpectThrows<ArgumentOutOfRangeException>("reduction", $"{name}: reduction {reduction}", arena, () => CallGeneralLabels(impl, arena, new Layout(), default, reduction));
            ExpectThrows<ArgumentOutOfRangeException>("reduction", $"{name}: targets, reduction {reduction}", arena, () => CallGeneralTargets(impl, arena, new Layout(), default, reduction: reduction));
            ExpectThrows<ArgumentOutOfRangeException>("reduction", $"{name}: Cost, reduction {reduction}", arena, () => impl.Cost(arena.At(Arena.Logits, Cells), arena.LabelSpan(Arena.Labels), reduction));
            ExpectThrows<ArgumentOutOfRangeException>("reduction", $"{name}: CostAndGradient, reduction {reduction}", arena, () => impl.CostAndGradient(arena.At(Arena.Logits, Cells), arena.LabelSpan(Arena.Labels), arena.At(Arena.Gradient, Cells), reduction));
            ExpectThrows<ArgumentOutOfRangeException>("reduction", $"{name}: targets CostAndGradient, reduction {reduction}", arena, () => impl.CostAndGradientTargets(arena.At(Arena.Logits, Cells), arena.At(Arena.Targets, Cells), Classes, arena.At(Arena.Gradient, Cells), reduction));
        }

        // The closed ends are valid.
        CallGeneralLabels(impl, arena, new Layout(), new() { LabelSmoothing = 0f, ZLossWeight = 0f });
        CallGeneralLabels(impl, arena, new Layout(), new() { LabelSmoothing = 1f, ZLossWeight = float.MaxValue });
    }

    /// <summary>Output start offsets that overlap [start, start + length) partially: one element in, straddling either end.</summary>
    private static IEnumerable<int> PartialOverlaps(int start, int length, int outputLength) =>
        new[] { start + 1, start - outputLength + 1, start + length - 1, start - 1 }.Distinct();

    [Theory]
    [MemberData(nameof(Implementations))]
    public void EveryOutputOverlappingAnyInputOrOutput_ThrowsArgumentException_NamingTheOutput(string name)
    {
        Implementation impl = Get(name);
        (string Output, int Length)[] outputs = [("gradient", Cells), ("losses", Rows), ("logSumExp", Rows)];
        (string Input, int Start, int Length)[] labelInputs = [("logits", Arena.Logits, Cells), ("labels", Arena.Labels, Rows), ("weights", Arena.Weights, Classes)];
        (string Input, int Start, int Length)[] targetInputs = [("logits", Arena.Logits, Cells), ("targets", Arena.Targets, Cells), ("weights", Arena.Weights, Classes)];
        int cases = 0;
        foreach ((string output, int length) in outputs)
        {
            foreach (bool targets in new[] { false, true })
            {
                foreach ((string input, int start, int inputLength) in targets ? targetInputs : labelInputs)
                {
                    foreach (int offset in PartialOverlaps(start, inputLength, length).Where(o => o >= 0 && o + length <= Arena.Length))
                    {
                        Layout layout = Place(new Layout { WeightsLength = Classes }, output, offset);
                        string what = $"{name} {(targets ? "targets" : "labels")}: {output} at {offset} overlaps {input} [{start}, {start + inputLength})";
                        Arena arena = new();
                        ExpectThrows<ArgumentException>(output, what, arena, () =>
                        {
                            if (targets)
                            {
                                CallGeneralTargets(impl, arena, layout, default);
                            }
                            else
                            {
                                CallGeneralLabels(impl, arena, layout, default);
                            }
                        });
                        cases++;
                    }
                }

                // Exactly the same memory is an error too except for gradient = logits; for targets, gradient = targets.
                if (output != "gradient")
                {
                    Arena arena = new();
                    Layout layout = Place(new Layout(), output, Arena.Logits);
                    ExpectThrows<ArgumentException>(output, $"{name}: {output} at the start of logits", arena, () => CallGeneralLabels(impl, arena, layout, default));
                }
                else if (targets)
                {
                    Arena arena = new();
                    ExpectThrows<ArgumentException>(output, $"{name}: gradient = targets", arena, () => CallGeneralTargets(impl, arena, new Layout { Gradient = Arena.Targets }, default));
                }
            }
        }

        // Outputs overlapping each other: losses/lse inside the gradient, losses and lse sharing memory.
        foreach ((string first, string second, int offset) in new[]
        {
            ("gradient", "losses", Arena.Gradient + 5), ("gradient", "logSumExp", Arena.Gradient + Cells - 1), ("losses", "logSumExp", Arena.Losses + 1), ("losses", "logSumExp", Arena.Losses),
        })
        {
            Layout layout = Place(new Layout(), second, offset);
            foreach (bool targets in new[] { false, true })
            {
                Arena arena = new();
                string what = $"{name} {(targets ? "targets" : "labels")}: {second} at {offset} overlaps {first}";
                arena.Snapshot();
                ArgumentException exception = Assert.Throws<ArgumentException>(() =>
                {
                    if (targets)
                    {
                        CallGeneralTargets(impl, arena, layout, default);
                    }
                    else
                    {
                        CallGeneralLabels(impl, arena, layout, default);
                    }
                });
                Assert.True(exception.ParamName == first || exception.ParamName == second, $"{what}: ParamName '{exception.ParamName}'");
                arena.AssertUnchanged(what);
                cases++;
            }
        }

        // The simple overloads: their one output against each input.
        {
            Arena arena = new();
            ExpectThrows<ArgumentException>("gradient", $"{name}: simple gradient one past logits", arena, () => impl.CostAndGradient(arena.At(Arena.Logits, Cells), arena.LabelSpan(Arena.Labels), arena.At(Arena.Logits + 1, Cells), Reduction.Mean));
            ExpectThrows<ArgumentException>("gradient", $"{name}: simple gradient over labels", arena, () => impl.CostAndGradient(arena.At(Arena.Logits, Cells), arena.LabelSpan(Arena.Labels), arena.At(Arena.Labels - 4, Cells), Reduction.Mean));
            ExpectThrows<ArgumentException>("gradient", $"{name}: simple targets gradient over targets", arena, () => impl.CostAndGradientTargets(arena.At(Arena.Logits, Cells), arena.At(Arena.Targets, Cells), Classes, arena.At(Arena.Targets - 3, Cells), Reduction.Mean));
            ExpectThrows<ArgumentException>("gradient", $"{name}: simple targets gradient one before logits", arena, () => impl.CostAndGradientTargets(arena.At(Arena.Logits + 1, Cells - 1 - 3), arena.At(Arena.Targets, Cells - 4), Classes, arena.At(Arena.Logits, Cells - 4), Reduction.Mean));
            ExpectThrows<ArgumentException>("losses", $"{name}: Losses over logits", arena, () => impl.Losses(arena.At(Arena.Logits, Cells), arena.LabelSpan(Arena.Labels), arena.At(Arena.Logits + 2, Rows)));
            ExpectThrows<ArgumentException>("losses", $"{name}: Losses over labels", arena, () => impl.Losses(arena.At(Arena.Logits, Cells), arena.LabelSpan(Arena.Labels), arena.At(Arena.Labels + 1, Rows)));
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{cases} overlap cases of the general overloads");
    }

    private static Layout Place(Layout layout, string output, int offset) => output switch
    {
        "gradient" => layout with { Gradient = offset },
        "losses" => layout with { Losses = offset },
        _ => layout with { Lse = offset },
    };
}
