namespace CloudMatrix.Compute.Topology;

/// <summary>
/// The system table of one <see cref="SystemSpec"/>, summed from per-device and per-link figures (power and cost
/// are the system totals the sources give). Units are in the field names: PFLOPS = 1e15 FLOP/s, TB = 1e12 bytes,
/// TB/s = 1e12 bytes/s, kW = 1e3 W, M$ = 1e6 US dollars.
/// </summary>
/// <param name="Name">System name.</param>
/// <param name="Granularity">NPU or die devices.</param>
/// <param name="Devices">Device count.</param>
/// <param name="Nodes">Node count.</param>
/// <param name="Racks">Rack count.</param>
/// <param name="Cpus">Host CPU count.</param>
/// <param name="SwitchChips">Switch chips.</param>
/// <param name="Links">Links.</param>
/// <param name="Bf16Pflops">Sum over devices of dense BF16 peak, PFLOPS.</param>
/// <param name="HbmTb">Sum over devices of HBM capacity, TB.</param>
/// <param name="HbmTbps">Sum over devices of HBM bandwidth, TB/s.</param>
/// <param name="PowerKw">System power, kW.</param>
/// <param name="CostMusd">System cost, millions of US dollars.</param>
/// <param name="OpticalTransceivers">Sum over links of their transceiver modules.</param>
/// <param name="ScaleUpTransceivers">The part of <paramref name="OpticalTransceivers"/> on scale-up links.</param>
/// <param name="ScaleOutTransceivers">The part on scale-out links.</param>
/// <param name="ScaleUpTbpsPerDevice">Scale-up link bandwidth leaving one device (device 0), TB/s each way.</param>
/// <param name="BisectionTbps">
/// Bisection bandwidth, TB/s one way: the minimum cut (maximum flow) between the first and second half of the
/// devices by index, over all links.
/// </param>
/// <param name="ScaleUpBisectionTbps">The same cut over scale-up links only.</param>
/// <param name="PflopsPerKw">BF16 PFLOPS per kW.</param>
/// <param name="HbmTbpsPerMusd">HBM TB/s per million US dollars.</param>
public sealed record SystemSummary(
    string Name,
    DeviceGranularity Granularity,
    int Devices,
    int Nodes,
    int Racks,
    int Cpus,
    int SwitchChips,
    int Links,
    double Bf16Pflops,
    double HbmTb,
    double HbmTbps,
    double PowerKw,
    double CostMusd,
    double OpticalTransceivers,
    double ScaleUpTransceivers,
    double ScaleOutTransceivers,
    double ScaleUpTbpsPerDevice,
    double BisectionTbps,
    double ScaleUpBisectionTbps,
    double PflopsPerKw,
    double HbmTbpsPerMusd)
{
    /// <summary>Computes the summary of <paramref name="system"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="system"/> is null.</exception>
    public static SystemSummary Of(SystemSpec system)
    {
        ArgumentNullException.ThrowIfNull(system);
        double flops = 0, hbm = 0, hbmBw = 0;
        foreach (DeviceSpec _ in system.Devices)
        {
            flops += system.Npu.Bf16FlopsPerSecond;
            hbm += system.Npu.HbmCapacityBytes;
            hbmBw += system.Npu.HbmBytesPerSecond;
        }

        double up = 0, outT = 0, device0 = 0;
        string d0 = system.Devices[0].Id;
        foreach (LinkSpec l in system.Links)
        {
            if (l.Network == LinkNetwork.ScaleUp)
            {
                up += l.OpticalTransceivers;
                if ((l.From == d0 || l.To == d0) && l.Medium != LinkMedium.OnPackage)
                {
                    device0 += l.BandwidthBytesPerSecond;
                }
            }
            else
            {
                outT += l.OpticalTransceivers;
            }
        }

        double bisection = MaxFlow.Bisection(system, scaleUpOnly: false);
        double upBisection = MaxFlow.Bisection(system, scaleUpOnly: true);
        double pflops = flops / 1e15, powerKw = system.PowerWatts / 1e3, costM = system.CostUsd / 1e6;
        return new SystemSummary(system.Name, system.Granularity, system.DeviceCount, system.NodeCount, system.RackCount,
            system.CpuCount, system.Switches.Count, system.Links.Count, pflops, hbm / 1e12, hbmBw / 1e12, powerKw, costM,
            up + outT, up, outT, device0 / 1e12, bisection / 1e12, upBisection / 1e12,
            powerKw > 0 ? pflops / powerKw : double.NaN, costM > 0 ? hbmBw / 1e12 / costM : double.NaN);
    }
}
