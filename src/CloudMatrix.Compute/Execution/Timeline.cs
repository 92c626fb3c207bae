namespace CloudMatrix.Compute.Execution;

/// <summary>
/// A plan on the simulated clock. Compute (GEMM and local steps) and communication run on two streams, as a
/// device's compute engine and its DMA/communication engine do; a step starts when its dependencies are done and its
/// stream is free. Exposed communication is the time the compute stream is idle: the step time minus compute.
/// </summary>
/// <param name="SimulatedSeconds">End of the last step, seconds.</param>
/// <param name="ComputeSeconds">Busy time of the compute stream, seconds.</param>
/// <param name="CommSeconds">Busy time of the communication stream, seconds.</param>
/// <param name="ExposedCommSeconds">Simulated time minus compute time, seconds.</param>
/// <param name="Steps">Each step's interval.</param>
/// <param name="BytesPerDevice">Largest number of bytes any device sent over the network.</param>
/// <param name="BytesByTier">Bytes carried by links, summed per link class (the part of the link name before its first digit).</param>
public sealed record Timeline(
    double SimulatedSeconds, double ComputeSeconds, double CommSeconds, double ExposedCommSeconds,
    IReadOnlyList<StepTiming> Steps, double BytesPerDevice, IReadOnlyDictionary<string, double> BytesByTier);
