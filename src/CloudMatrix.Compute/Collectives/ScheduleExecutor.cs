namespace CloudMatrix.Compute.Collectives;

/// <summary>
/// Runs a <see cref="CollectiveSchedule"/> literally on real buffers: every step in list order (a topological order
/// of its dependency graph), transfers rounded to the wire type, sums in FP32. This is the reference every faster
/// path is checked against bit for bit.
/// </summary>
internal static class ScheduleExecutor
{
    /// <summary>Returns each rank's working buffer after the schedule ran; <paramref name="inputs"/> are only read.</summary>
    public static float[][] Run(CollectiveSchedule schedule, IReadOnlyList<float[]> inputs, bool roundWire, IHostReducer reducer)
    {
        var work = new float[schedule.Ranks][];
        int maxCount = 0;
        for (int r = 0; r < schedule.Ranks; r++)
        {
            work[r] = new float[schedule.WorkLengths[r]];
        }

        foreach (ref readonly ScheduleStep s in schedule.Steps.AsSpan())
        {
            maxCount = Math.Max(maxCount, s.Count);
        }

        var scratch = new float[maxCount];
        foreach (ref readonly ScheduleStep s in schedule.Steps.AsSpan())
        {
            if (s.Count == 0) continue;
            float[] source = s.From == StepSource.Input ? inputs[s.Source] : work[s.Source];
            ReadOnlySpan<float> data = source.AsSpan(s.SourceOffset, s.Count);
            if (roundWire && s.IsTransfer)
            {
                Span<float> rounded = scratch.AsSpan(0, s.Count);
                reducer.RoundToBFloat16(data, rounded);
                data = rounded;
            }

            Span<float> destination = work[s.Destination].AsSpan(s.DestinationOffset, s.Count);
            if (s.Kind == StepKind.Copy)
            {
                data.CopyTo(destination);
            }
            else
            {
                reducer.Add(data, destination);
            }
        }

        return work;
    }
}
