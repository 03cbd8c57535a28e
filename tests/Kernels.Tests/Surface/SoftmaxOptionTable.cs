using System.Globalization;

namespace Kernels.Tests.Surface;

/// <summary>Sets one option on a <see cref="SoftmaxCrossEntropyOptions"/> (class weights come from the problem's span).</summary>
internal delegate SoftmaxCrossEntropyOptions ApplyOption(SoftmaxCrossEntropyOptions options, float value, ReadOnlySpan<float> classWeights);

/// <summary>
/// One option of <see cref="SoftmaxCrossEntropyOptions"/> as the fuzzer draws it: the values it tries (0, not set,
/// is always possible), whether it applies to class labels only, and the options it cannot be combined with.
/// </summary>
internal sealed record SoftmaxOption(string Name, float[] Values, bool LabelsOnly, string[] Excludes, ApplyOption Apply);

/// <summary>
/// THE place where the fuzzer (and every test that builds options from a <see cref="FuzzCase"/>) learns the softmax
/// options: a new option is one line here. Rules the generator follows: an option drawn for a method it does not
/// apply to (<see cref="SoftmaxOption.LabelsOnly"/> with probability targets) is dropped, and so is an option drawn
/// after one it excludes.
/// </summary>
internal static class SoftmaxOptionTable
{
    /// <summary>The ignored label for <c>IgnoreIndex</c> = this value; 0 and 1 are also drawn (real class labels).</summary>
    public const int NegativeIgnoredLabel = -100;

    public static IReadOnlyList<SoftmaxOption> All { get; } =
    [
        new("LabelSmoothing", [0.1f, 0.05f, 0.5f, 1f], false, [], static (o, v, _) => o with { LabelSmoothing = v }),
        // Stored as label + 1000 so that 0 can mean "not set" while label 0 stays drawable.
        new("IgnoreIndex", [1000f + NegativeIgnoredLabel, 1000f, 1001f], true, [], static (o, v, _) => o with { IgnoreIndex = (int)v - 1000 }),
        new("ClassWeights", [1f], false, [], static (o, _, w) => o with { ClassWeights = w }),
        new("ZLossWeight", [1e-3f, 1e-4f, 0.5f], false, [], static (o, v, _) => o with { ZLossWeight = v }),
    ];

    public static int IndexOf(string name) => All.Select((o, i) => (o, i)).Single(p => p.o.Name == name).i;

    /// <summary>The options <paramref name="values"/> describe (one value per table entry, 0: not set).</summary>
    public static SoftmaxCrossEntropyOptions Build(ReadOnlySpan<float> values, ReadOnlySpan<float> classWeights)
    {
        SoftmaxCrossEntropyOptions options = default;
        for (int i = 0; i < All.Count; i++)
        {
            if (values[i] != 0)
            {
                options = All[i].Apply(options, values[i], classWeights);
            }
        }

        return options;
    }

    public static bool IsSet(ReadOnlySpan<float> values, string name) => values[IndexOf(name)] != 0;

    /// <summary>The value of <paramref name="name"/> (0 when not set).</summary>
    public static float Value(ReadOnlySpan<float> values, string name) => values[IndexOf(name)];

    /// <summary>Drops what the rules above forbid: label-only options with probability targets, excluded combinations.</summary>
    public static float[] Legalize(float[] values, bool labels)
    {
        float[] legal = [.. values];
        for (int i = 0; i < All.Count; i++)
        {
            bool excluded = All[i].Excludes.Any(name => legal[IndexOf(name)] != 0 && IndexOf(name) < i);
            if (legal[i] != 0 && ((All[i].LabelsOnly && !labels) || excluded))
            {
                legal[i] = 0;
            }
        }

        return legal;
    }

    public static string Describe(ReadOnlySpan<float> values)
    {
        List<string> set = [];
        for (int i = 0; i < All.Count; i++)
        {
            if (values[i] != 0)
            {
                set.Add(string.Create(CultureInfo.InvariantCulture, $"{All[i].Name}={values[i]}"));
            }
        }

        return string.Join(", ", set);
    }
}
