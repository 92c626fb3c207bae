namespace CloudMatrix.Compute.Collectives;

/// <summary>Simulated time of one schedule: the total and the network model's detail.</summary>
internal sealed record ScheduleTiming(double Seconds, TransferTimes Network, int TransferCount);

/// <summary>
/// Turns a schedule into transfers for the network model and adds the devices' reduction time.
/// </summary>
/// <remarks>
/// Model: a device adds what it receives serially, at its reduce roofline (<see cref="DeviceReduceModel"/>). A
/// transfer that forwards data starts after its dependencies have arrived plus the reductions they imply on the
/// sending device (the sum of the reduce times of the incoming steps it waits for, and of local reduce steps between
/// them). Reductions nothing waits for run on the device's own clock after the data arrives; the collective ends when
/// the network and every device's clock are done. Local copies are free (they alias buffers on a real device).
/// </remarks>
internal static class ScheduleTimer
{
    public static ScheduleTiming Time(CollectiveSchedule schedule, IReadOnlyList<int> group, int wireElementBytes, int bufferElementBytes, CollectiveFabric fabric, double elementScale = 1)
    {
        ScheduleStep[] steps = schedule.Steps;
        var reduceSeconds = new double[steps.Length];
        var hasDependents = new bool[steps.Length];
        int count = 0;
        for (int i = 0; i < steps.Length; i++)
        {
            if (steps[i].IsTransfer) count++;
            reduceSeconds[i] = steps[i].Kind == StepKind.Reduce && steps[i].Count > 0 ? fabric.Reduce.Seconds(steps[i].Count * elementScale, bufferElementBytes) : 0;
            foreach (int dep in schedule.DependenciesOf(steps[i])) hasDependents[dep] = true;
        }

        // Every step goes to the network model; local steps (source = destination) are instant there. A step
        // starts after the reductions its inputs imply on its device: those of the deliveries it waits for.
        var transfers = new TimedTransfer[steps.Length];
        for (int i = 0; i < steps.Length; i++)
        {
            ref readonly ScheduleStep s = ref steps[i];
            ReadOnlySpan<int> deps = schedule.DependenciesOf(s);
            double delay = 0;
            foreach (int d in deps)
            {
                if (steps[d].Destination == s.Source) delay += reduceSeconds[d];
            }

            double bytes = s.IsTransfer ? s.Count * elementScale * wireElementBytes : 0;
            transfers[i] = new TimedTransfer(group[s.Source], group[s.Destination], bytes, deps.ToArray(), delay);
        }

        TransferTimes times = fabric.Network.Simulate(transfers);

        // Reductions nothing waits for: serial on each device's clock, each after its data arrived.
        var tails = new List<(int Rank, double Arrival, double Seconds)>();
        for (int i = 0; i < steps.Length; i++)
        {
            if (hasDependents[i] || reduceSeconds[i] == 0) continue;
            tails.Add((steps[i].Destination, times.FinishSeconds[i], reduceSeconds[i]));
        }

        double total = times.TotalSeconds;
        var clock = new Dictionary<int, double>();
        foreach (var (rank, arrival, seconds) in tails.OrderBy(x => x.Arrival))
        {
            double c = Math.Max(clock.GetValueOrDefault(rank), arrival) + seconds;
            clock[rank] = c;
            total = Math.Max(total, c);
        }

        return new ScheduleTiming(total, times, count);
    }
}
