using CloudMatrix.Compute.Numerics;
using CloudMatrix.Compute.Tensors;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Collectives;

/// <summary>
/// Counts wrong output elements of a collective against an independent reference: the exact (FP64) sum within the
/// documented bound for reducing operations, bit-exact copies for the others. The bound is the one
/// <see cref="Collective"/> documents: |result − exact| ≤ <see cref="BoundFactor"/> · Σ|xᵢ| per element.
/// </summary>
public static class CollectiveVerification
{
    /// <summary>
    /// Host memory a checked run of a collective holds at once, in bytes: inputs, outputs, FP32 working copies and
    /// the reference, about six FP32-sized copies of every rank's buffer. Compare it with
    /// <see cref="Memory.MemoryBudget.Bytes"/> before running.
    /// </summary>
    /// <param name="ranks">Ranks in the group.</param>
    /// <param name="elementsPerRank">Elements of each rank's buffer.</param>
    /// <returns>The bytes needed.</returns>
    public static double CheckedRunHostBytes(int ranks, long elementsPerRank) => 6.0 * ranks * elementsPerRank * sizeof(float);

    /// <summary>
    /// Seeded inputs for a checked run: one buffer per rank of <paramref name="elementsPerRank"/> values uniform on
    /// [-1, 1] from <see cref="DenseTensor.Random{T}"/> (rank r from seed <paramref name="seed"/> + r), already rounded
    /// to <paramref name="type"/> so that the reference sums exactly what the ranks hold.
    /// </summary>
    /// <param name="type">The element type the collective will run in.</param>
    /// <param name="ranks">Ranks in the group; at least 1.</param>
    /// <param name="elementsPerRank">Elements of each buffer; at least 0.</param>
    /// <param name="seed">The seed of rank 0.</param>
    /// <returns>One FP32 buffer per rank (BF16 values widened exactly when <paramref name="type"/> is BF16).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="ranks"/> is below 1 or <paramref name="elementsPerRank"/> is negative.</exception>
    public static float[][] RandomInputs(CollectiveDataType type, int ranks, int elementsPerRank, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ranks, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(elementsPerRank);
        var inputs = new float[ranks][];
        for (int r = 0; r < ranks; r++)
        {
            inputs[r] = type == CollectiveDataType.Bf16
                ? DenseTensor.Random<BFloat16>([elementsPerRank], seed + (ulong)r).ConvertTo<float>().Span.ToArray()
                : DenseTensor.Random<float>([elementsPerRank], seed + (ulong)r).Span.ToArray();
        }

        return inputs;
    }

    /// <summary>
    /// Runs <paramref name="operation"/> on real data in <paramref name="type"/> (BF16 on the wire and out for BF16,
    /// FP32 otherwise) and counts the wrong output elements against the documented bound (<see cref="CountWrong"/>).
    /// </summary>
    /// <param name="system">The modelled system.</param>
    /// <param name="operation">The operation.</param>
    /// <param name="inputs">Each rank's input as FP32 (see <see cref="RandomInputs"/>); not modified.</param>
    /// <param name="type">The element type to run in.</param>
    /// <param name="algorithm">The algorithm, or Auto.</param>
    /// <param name="options">The group, root and other options; null for the defaults.</param>
    /// <returns>The simulated timing of the run and the number of wrong elements over every rank.</returns>
    /// <exception cref="ArgumentException">As for <see cref="Collective.Run(SystemSpec, CollectiveOperation, IReadOnlyList{float[]}, CollectiveAlgorithm, CollectiveOptions?)"/>.</exception>
    public static (CollectiveTiming Timing, long Wrong) RunChecked(SystemSpec system, CollectiveOperation operation, IReadOnlyList<float[]> inputs,
        CollectiveDataType type, CollectiveAlgorithm algorithm = CollectiveAlgorithm.Auto, CollectiveOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(inputs);
        options ??= CollectiveOptions.Default;
        int n = inputs.Count;
        int[] group = Collective.ResolveGroup(system.DeviceCount, options.Group, operation);
        int root = Collective.ResolveRoot(group, options.Root);
        float[][] outputs;
        CollectiveTiming timing;
        bool bf16 = type == CollectiveDataType.Bf16;
        if (bf16)
        {
            BFloat16[][] b = [.. inputs.Select(x => x.Select(v => (BFloat16)v).ToArray())];
            var result = Collective.Run(system, operation, b, algorithm, options);
            outputs = [.. result.Outputs.Select(x => x.Select(v => (float)v).ToArray())];
            timing = result.Timing;
        }
        else
        {
            float[][] buffers = [.. inputs.Select(x => (float[])x.Clone())];
            var result = Collective.Run(system, operation, buffers, algorithm, options);
            outputs = [.. result.Outputs];
            timing = result.Timing;
        }

        double factor = BoundFactor(n, wireBf16: bf16 && !options.Fp32Partials, outputBf16: bf16);
        return (timing, CountWrong(operation, root, inputs, outputs, factor));
    }

    /// <summary>The documented bound's factor on Σ|x|: ((n-1)(u32 + u_wire) + u_out), with 1 % for second-order terms.</summary>
    /// <param name="ranks">Ranks in the group (n).</param>
    /// <param name="wireBf16">Whether partial sums crossed the wire as BF16 (u_wire = 2^-8; else 0).</param>
    /// <param name="outputBf16">Whether the outputs are BF16 (u_out = 2^-8; else 0).</param>
    /// <returns>The dimensionless factor on Σ|xᵢ|.</returns>
    public static double BoundFactor(int ranks, bool wireBf16, bool outputBf16)
    {
        double u32 = Math.Pow(2, -24);
        double u16 = Math.Pow(2, -8);
        return (((ranks - 1) * (u32 + (wireBf16 ? u16 : 0))) + (outputBf16 ? u16 : 0)) * 1.01;
    }

    /// <summary>
    /// Counts the output elements of one run of <paramref name="operation"/> that are wrong: for reducing operations,
    /// farther from the FP64 sum of the inputs than <paramref name="boundFactor"/> · Σ|xᵢ|; for the others, not
    /// bit-identical to the input element they copy. A missing element (an output shorter than expected) counts as wrong.
    /// </summary>
    /// <param name="operation">The operation that ran.</param>
    /// <param name="root">Root's group position (broadcast, reduce), 0 ≤ root &lt; ranks.</param>
    /// <param name="inputs">Each rank's input as FP32 (BF16 inputs widened exactly).</param>
    /// <param name="outputs">Each rank's output as FP32.</param>
    /// <param name="boundFactor">See <see cref="BoundFactor"/>.</param>
    /// <returns>The number of wrong output elements, over every rank.</returns>
    public static long CountWrong(CollectiveOperation operation, int root, IReadOnlyList<float[]> inputs, IReadOnlyList<float[]> outputs, double boundFactor)
    {
        int n = inputs.Count;
        int length = inputs[0].Length;
        long wrong = 0;
        switch (operation)
        {
            case CollectiveOperation.AllReduce:
            case CollectiveOperation.ReduceScatter:
            case CollectiveOperation.Reduce:
            {
                var sum = new double[length];
                var magnitude = new double[length];
                foreach (float[] x in inputs)
                {
                    for (int i = 0; i < length; i++)
                    {
                        sum[i] += x[i];
                        magnitude[i] += Math.Abs(x[i]);
                    }
                }

                for (int r = 0; r < n; r++)
                {
                    (int offset, int count) = operation switch
                    {
                        CollectiveOperation.ReduceScatter => ScheduleFactory.Part(length, n, r),
                        CollectiveOperation.Reduce => r == root ? (0, length) : (0, 0),
                        _ => (0, length),
                    };
                    if (outputs[r].Length != count) return wrong + count;
                    for (int i = 0; i < count; i++)
                    {
                        double error = Math.Abs(outputs[r][i] - sum[offset + i]);
                        if (!(error <= (boundFactor * magnitude[offset + i]) + 1e-30)) wrong++;
                    }
                }

                break;
            }

            case CollectiveOperation.AllGather:
                for (int r = 0; r < n; r++)
                {
                    for (int j = 0; j < n; j++)
                    {
                        wrong += Mismatches(inputs[j], 0, outputs[r], j * length, length);
                    }
                }

                break;
            case CollectiveOperation.Broadcast:
                for (int r = 0; r < n; r++) wrong += Mismatches(inputs[root], 0, outputs[r], 0, length);
                break;
            case CollectiveOperation.SendReceive:
                wrong += Mismatches(inputs[0], 0, outputs[1], 0, length);
                break;
            default:
                for (int j = 0; j < n; j++)
                {
                    var (offset, count) = ScheduleFactory.Part(length, n, j);
                    for (int i = 0; i < n; i++) wrong += Mismatches(inputs[i], offset, outputs[j], i * count, count);
                }

                break;
        }

        return wrong;
    }

    private static long Mismatches(float[] expected, int expectedOffset, float[] actual, int actualOffset, int count)
    {
        long wrong = 0;
        for (int i = 0; i < count; i++)
        {
            if (actualOffset + i >= actual.Length || BitConverter.SingleToInt32Bits(expected[expectedOffset + i]) != BitConverter.SingleToInt32Bits(actual[actualOffset + i])) wrong++;
        }

        return wrong;
    }
}
