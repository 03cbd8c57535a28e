using System.Globalization;
using System.Text;

namespace Kernels.Tests.Surface;

/// <summary>A special value written over the generated input of <paramref name="Role"/> at <paramref name="Position"/> (mod its length).</summary>
internal readonly record struct Special(Operand Role, int Position, float Value);

/// <summary>
/// One call of one public method: the shape (n rows, k outputs or C classes, d features), the reduction, the seed of
/// the generated inputs, the options and the special values written over them. Everything a call needs is here, so
/// a case rebuilds the same inputs bit for bit in any process: <see cref="ToString"/> prints it as a test to paste.
/// </summary>
/// <param name="Method">The <see cref="SurfaceMethod.Name"/> in <see cref="PublicSurface"/>.</param>
/// <param name="Rows">n.</param>
/// <param name="Width">k outputs (multi-output and dense) or C classes (softmax); ignored by flat methods.</param>
/// <param name="Features">d (logistic regression and dense layers).</param>
/// <param name="OutputMask">Which optional outputs are given, bit per <see cref="SurfaceMethod.Writes"/> entry (bit set: given).</param>
/// <param name="Gamma">Focal γ.</param>
/// <param name="Alpha">Focal α, or a negative value for none.</param>
/// <param name="SoftmaxOptions">One value per <see cref="SoftmaxOptionTable.All"/> entry (0: option not set).</param>
internal sealed record FuzzCase(
    string Method, int Rows, int Width, int Features, Reduction Reduction, ulong Seed,
    bool SampleWeights = false, bool PositiveWeights = false, int OutputMask = -1,
    float Gamma = 0f, float Alpha = -1f, float[]? SoftmaxOptions = null, Special[]? Specials = null)
{
    public float[] SoftmaxOptionValues => SoftmaxOptions ?? new float[SoftmaxOptionTable.All.Count];

    public Special[] SpecialValues => Specials ?? [];

    public float? FocalAlpha => Alpha < 0 ? null : Alpha;

    public SurfaceMethod Entry => PublicSurface.Named(Method);

    /// <summary>The case as a ready-to-paste xunit test that repeats the fuzzer's check on exactly these inputs.</summary>
    public override string ToString()
    {
        StringBuilder code = new();
        code.Append(CultureInfo.InvariantCulture, $"[Fact]\npublic void Fuzzed_{Identifier(Method)}_{Seed:X}() => DifferentialFuzzTests.Check(new FuzzCase(\n");
        code.Append(CultureInfo.InvariantCulture, $"    \"{Method}\", Rows: {Rows}, Width: {Width}, Features: {Features}, Reduction.{Reduction}, Seed: 0x{Seed:X}UL");
        code.Append(CultureInfo.InvariantCulture, $",\n    SampleWeights: {Bool(SampleWeights)}, PositiveWeights: {Bool(PositiveWeights)}, OutputMask: {OutputMask}, Gamma: {Literal(Gamma)}, Alpha: {Literal(Alpha)}");
        code.Append(CultureInfo.InvariantCulture, $",\n    SoftmaxOptions: [{string.Join(", ", SoftmaxOptionValues.Select(Literal))}]");
        code.Append(",\n    Specials: [");
        code.Append(string.Join(", ", SpecialValues.Select(s => string.Create(CultureInfo.InvariantCulture, $"new(Operand.{s.Role}, {s.Position}, {Literal(s.Value)})"))));
        code.Append("]));");
        string options = SoftmaxOptionTable.Describe(SoftmaxOptionValues);
        return options.Length == 0 ? code.ToString() : $"// softmax options: {options}\n{code}";
    }

    /// <summary>A C# expression for <paramref name="value"/> that keeps every bit (NaN payloads and -0 included).</summary>
    public static string Literal(float value) => float.IsNaN(value) || (value == 0 && float.IsNegative(value))
        ? string.Create(CultureInfo.InvariantCulture, $"BitConverter.Int32BitsToSingle(unchecked((int)0x{BitConverter.SingleToInt32Bits(value):X8}))")
        : float.IsPositiveInfinity(value) ? "float.PositiveInfinity"
        : float.IsNegativeInfinity(value) ? "float.NegativeInfinity"
        : value.ToString("R", CultureInfo.InvariantCulture) + "f";

    private static string Bool(bool value) => value ? "true" : "false";

    private static string Identifier(string name) => new([.. name.Select(c => char.IsLetterOrDigit(c) ? c : '_')]);
}
