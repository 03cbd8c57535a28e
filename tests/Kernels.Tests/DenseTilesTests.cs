using Kernels.Internal.Linear;
using Kernels.Internal.Simd;
using Kernels.Tests.Support;

namespace Kernels.Tests;

/// <summary>
/// The dense layers' matrix product (<see cref="DenseTiles"/>) instantiated for every lane type in one process:
/// each must equal a scalar loop of fused multiply-adds in depth order, bit for bit, whatever the tile shape it
/// picks (16-, 8-, 4-, 2- and 1-row tiles, the 4×4-chunk tiles of wide rows, partial last chunks). The lane types a
/// CPU lacks run in software, so every width is checked on every machine.
/// </summary>
public class DenseTilesTests
{
    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 5, 7)]
    [InlineData(16, 16, 64)]
    [InlineData(31, 37, 10)]
    [InlineData(29, 70, 16)]
    [InlineData(40, 130, 3)]
    public void EveryWidth_GivesTheBitsOfTheScalarFmaLoop(int rows, int columns, int depth)
    {
        Random random = new(rows * 1000 + columns);
        int aRowStride = depth + 3, bStride = columns + 21, cRowStride = columns + 5;
        float[] a = Values(random, rows * aRowStride), b = Values(random, (depth * bStride) + 16), bias = Values(random, columns + 16);
        float[] expected = new float[rows * cRowStride];
        for (int i = 0; i < rows; i++)
        {
            for (int c = 0; c < columns; c++)
            {
                float sum = 0f;
                for (int p = 0; p < depth; p++)
                {
                    sum = MathF.FusedMultiplyAdd(a[(i * aRowStride) + p], b[(p * bStride) + c], sum);
                }

                expected[(i * cRowStride) + c] = sum;
            }
        }

        Check<Lanes512>();
        Check<Lanes256>();
        Check<Lanes128>();
        Check<ScalarLanes>();

        void Check<T>() where T : struct, ISimdLanes<T>
        {
            // StoreValid writes exactly the columns; Accumulate adds to what is there (here 0).
            float[] stored = new float[rows * cRowStride];
            DenseTiles.Multiply<T, StoreValid, FlagUnset>(rows, columns, depth, ref a[0], aRowStride, 1, ref b[0], bStride, ref stored[0], cRowStride, ref bias[0]);
            Bitwise.AssertEqual(expected, stored, $"{typeof(T).Name} store");

            // The transposed view of A (unit row stride) with padded columns accumulated.
            int padded = (columns + T.Count - 1) / T.Count * T.Count;
            float[] transposed = new float[depth * rows];
            for (int i = 0; i < rows; i++)
            {
                for (int p = 0; p < depth; p++)
                {
                    transposed[(p * rows) + i] = a[(i * aRowStride) + p];
                }
            }

            float[] accumulated = new float[rows * (padded + 16)];
            DenseTiles.Multiply<T, Accumulate, FlagSet>(rows, padded, depth, ref transposed[0], 1, rows, ref b[0], bStride, ref accumulated[0], padded + 16, ref bias[0]);
            for (int i = 0; i < rows; i++)
            {
                Bitwise.AssertEqual(expected.AsSpan(i * cRowStride, columns), accumulated.AsSpan(i * (padded + 16), columns), $"{typeof(T).Name} accumulate row {i}");
            }
        }
    }

    private static float[] Values(Random random, int length)
    {
        float[] values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = (float)((random.NextDouble() * 4) - 2);
        }

        return values;
    }
}
