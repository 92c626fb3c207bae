using CloudMatrix.Compute.Tensors;

namespace CloudMatrix.Compute.Mpi;

/// <summary>
/// The inputs of a distributed run as seeds: A is <c>DenseTensor.Random&lt;BFloat16&gt;([M, K], SeedA)</c> and B
/// <c>DenseTensor.Random&lt;BFloat16&gt;([K, N], SeedB)</c>, but each process generates only its own shards
/// (<see cref="DenseTensor.RandomBlocks{T}"/>), so no process holds all of A or B unless its devices do.
/// </summary>
/// <param name="SeedA">Seed of A (<c>cmx matmul</c> uses 1).</param>
/// <param name="SeedB">Seed of B (<c>cmx matmul</c> uses 2).</param>
/// <param name="Distribution">The distribution; null for uniform on [-1, 1].</param>
public sealed record SeededInputs(ulong SeedA = 1, ulong SeedB = 2, RandomDistribution? Distribution = null);
