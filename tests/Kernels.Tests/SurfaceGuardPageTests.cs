using Kernels.Tests.Support;
using Kernels.Tests.Surface;

namespace Kernels.Tests;

/// <summary>
/// Every public method of the registry (<see cref="PublicSurface"/>), every input and output span, the labels, the
/// log-sum-exp and the dense layers' ∂X included, flush against PROT_NONE guard pages: no call reads or writes
/// outside the spans it is given, whether it returns or throws.
/// </summary>
public class SurfaceGuardPageTests
{
    public static TheoryData<string> Methods() => PublicSurface.Names();

    [Theory]
    [MemberData(nameof(Methods))]
    public void SpansAtTheEdgeOfGuardPagesGiveTheManagedResult(string name)
    {
        Assert.SkipUnless(BoundedMemory.IsSupported, BoundedMemory.UnsupportedReason);
        SurfaceMethod method = PublicSurface.Named(name);
        FuzzCase[] cases = [.. SurfaceShapes.All(method, 9000)];
        using GuardedSpans memory = new(method, cases);
        foreach (FuzzCase c in cases)
        {
            SurfaceProblem problem = new(c);
            SurfaceResult expected = problem.Run();
            foreach (GuardSide side in (GuardSide[])[GuardSide.Trailing, GuardSide.Leading])
            {
                SurfaceResult actual = problem.Run(false, (role, length) => memory.Span(role, length, side), length => memory.Labels(length, side));
                BitwiseAssert.Equal(expected.AllBits, actual.AllBits, $"{name} n={c.Rows} k/C={c.Width} d={c.Features}, spans against the {side} guard pages");
            }
        }
    }

    /// <summary>
    /// A call with one span one element short throws an <see cref="ArgumentException"/> (of any subtype) before
    /// writing anything: its inputs and outputs keep every bit, and nothing outside them was touched (the guards).
    /// Every given span of every method in turn, in the shapes of <see cref="SurfaceShapes"/> with at least one row.
    /// </summary>
    [Theory]
    [MemberData(nameof(Methods))]
    public void ARejectedCallLeavesEveryInputAndOutputUntouched(string name)
    {
        Assert.SkipUnless(BoundedMemory.IsSupported, BoundedMemory.UnsupportedReason);
        SurfaceMethod method = PublicSurface.Named(name);
        FuzzCase[] cases = [.. SurfaceShapes.All(method, 9100).Where(c => c.Rows > 1)];
        using GuardedSpans memory = new(method, cases);
        foreach (FuzzCase c in cases)
        {
            SurfaceProblem problem = new(c);
            foreach (Operand shortened in SurfaceProblem.Roles.Where(role => problem[role].Length > 0).Append((Operand)(-1)))
            {
                bool labels = shortened == (Operand)(-1);
                // n - 1 labels over n·C logits is a valid call of C' = n·C/(n - 1) classes when that divides.
                if (labels && (problem.Labels.Length == 0 || (method.Family == SurfaceFamily.SoftmaxLabels && problem[Operand.X].Length % (c.Rows - 1) == 0)))
                {
                    continue;
                }

                Exception? thrown = Record.Exception(() => problem.Run(
                    false,
                    (role, length) => memory.Span(role, role == shortened ? length - 1 : length, GuardSide.Trailing),
                    length => memory.Labels(labels ? length - 1 : length, GuardSide.Trailing)));
                string what = $"{name} n={c.Rows} k/C={c.Width} d={c.Features} with {(labels ? "labels" : shortened.ToString())} one element short";
                Assert.True(thrown is ArgumentException, $"{what}: expected an ArgumentException, got {thrown?.GetType().Name ?? "none"}");

                // Run copied the problem's contents into the spans before the call: they must all still be there.
                foreach (Operand role in SurfaceProblem.Roles)
                {
                    int length = problem[role].Length - (role == shortened ? 1 : 0);
                    ReadOnlySpan<float> span = memory.Span(role, length, GuardSide.Trailing);
                    ReadOnlySpan<float> original = role == shortened ? problem[role].AsSpan(0, length) : problem[role];
                    BitwiseAssert.Equal(original, span, $"{what}: {role} changed");
                }

                int labelLength = problem.Labels.Length - (labels ? 1 : 0);
                Assert.True(memory.Labels(labelLength, GuardSide.Trailing).SequenceEqual(problem.Labels.AsSpan(0, labelLength)), $"{what}: labels changed");
            }
        }
    }

    /// <summary>One guard-paged region per span role and one for the labels, large enough for every case given.</summary>
    private sealed class GuardedSpans : IDisposable
    {
        private readonly BoundedMemory[] _regions;
        private readonly BoundedMemory _labels;

        public GuardedSpans(SurfaceMethod method, FuzzCase[] cases)
        {
            _regions = [.. SurfaceProblem.Roles.Select(role => new BoundedMemory(cases.Max(c => method.Length(role, c))))];
            _labels = new BoundedMemory(cases.Max(c => c.Rows));
        }

        public Span<float> Span(Operand role, int length, GuardSide side) => _regions[(int)role].Span(length, side);

        public Span<int> Labels(int length, GuardSide side) => System.Runtime.InteropServices.MemoryMarshal.Cast<float, int>(_labels.Span(length, side));

        public void Dispose()
        {
            foreach (BoundedMemory region in _regions)
            {
                region.Dispose();
            }

            _labels.Dispose();
        }
    }
}
