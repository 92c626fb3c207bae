using System.Globalization;
using System.Text;
using CloudMatrix.Compute.Sharding;

namespace CloudMatrix.Compute.Mpi;

/// <summary>
/// Which process hosts each virtual device (mesh position) of a distributed run. The default,
/// <see cref="Contiguous"/>, gives each process a contiguous block of the mesh's outer axis, so a node's NPUs stay in
/// one process and most collectives of the inner axes never leave it.
/// </summary>
public sealed class ProcessPlacement
{
    private readonly int[] _rankOf;
    private readonly int[][] _positions;

    private ProcessPlacement(DeviceMesh mesh, int[] rankOf, int processes)
    {
        Mesh = mesh;
        _rankOf = rankOf;
        Processes = processes;
        _positions = Enumerable.Range(0, processes).Select(r => Enumerable.Range(0, mesh.Size).Where(p => rankOf[p] == r).ToArray()).ToArray();
    }

    /// <summary>The mesh.</summary>
    public DeviceMesh Mesh { get; }

    /// <summary>Number of processes (the MPI world size).</summary>
    public int Processes { get; }

    /// <summary>The process (rank) hosting mesh position <paramref name="position"/>.</summary>
    /// <param name="position">A mesh position, 0 to the mesh size - 1.</param>
    /// <returns>The rank.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="position"/> is outside 0 to the mesh size - 1.</exception>
    public int RankOf(int position)
    {
        if ((uint)position >= (uint)_rankOf.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(position), position, $"position is {position}; valid: 0 to {_rankOf.Length - 1} (the positions of {Mesh}).");
        }

        return _rankOf[position];
    }

    /// <summary>The mesh positions process <paramref name="rank"/> hosts, ascending.</summary>
    /// <param name="rank">A rank, 0 to <see cref="Processes"/> - 1.</param>
    /// <returns>The positions.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rank"/> is outside 0 to <see cref="Processes"/> - 1.</exception>
    public IReadOnlyList<int> Positions(int rank)
    {
        if ((uint)rank >= (uint)_positions.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(rank), rank, $"rank is {rank}; valid: 0 to {_positions.Length - 1} ({Processes} processes).");
        }

        return _positions[rank];
    }

    /// <summary>
    /// Contiguous blocks of the mesh's outer axis per process (as even as the axis allows, the first processes taking
    /// one more slice when it does not divide). With <paramref name="allowNodeSplit"/>, or when there are more processes
    /// than outer slices, contiguous blocks of mesh positions instead; a node's NPUs split across processes only when
    /// <paramref name="allowNodeSplit"/> is set.
    /// </summary>
    /// <param name="mesh">The mesh.</param>
    /// <param name="processes">Number of processes; 1 to the mesh size.</param>
    /// <param name="allowNodeSplit">Allow a node's devices in several processes.</param>
    /// <returns>The placement.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="processes"/> is below 1 or above the mesh size.</exception>
    /// <exception cref="ArgumentException">The placement would split a node across processes and that was not allowed.</exception>
    public static ProcessPlacement Contiguous(DeviceMesh mesh, int processes, bool allowNodeSplit = false)
    {
        ArgumentNullException.ThrowIfNull(mesh);
        if (processes < 1 || processes > mesh.Size)
        {
            throw new ArgumentOutOfRangeException(nameof(processes), processes, $"{processes} processes for {mesh.Size} devices; use 1 to {mesh.Size}.");
        }

        int outer = mesh.Shape[0], inner = mesh.Size / outer;
        var rankOf = new int[mesh.Size];
        bool byOuter = !allowNodeSplit && processes <= outer;
        int units = byOuter ? outer : mesh.Size, unitSize = byOuter ? inner : 1;
        for (int r = 0, start = 0; r < processes; r++)
        {
            int count = (units / processes) + (r < units % processes ? 1 : 0);
            for (int u = start; u < start + count; u++)
            {
                for (int i = 0; i < unitSize; i++) rankOf[(u * unitSize) + i] = r;
            }

            start += count;
        }

        var placement = new ProcessPlacement(mesh, rankOf, processes);
        if (!allowNodeSplit)
        {
            var nodeRank = new Dictionary<int, int>();
            for (int p = 0; p < mesh.Size; p++)
            {
                int node = mesh.System.Devices[mesh.Devices[p]].NodeIndex;
                if (nodeRank.TryGetValue(node, out int r) && r != rankOf[p])
                {
                    throw new ArgumentException(
                        $"Placing {mesh} on {processes} processes by blocks of the outer axis '{mesh.AxisNames[0]}' would split node {node} " +
                        $"across processes {r} and {rankOf[p]}; use a process count that divides the nodes evenly, or allow node splits.", nameof(processes));
                }

                nodeRank[node] = rankOf[p];
            }
        }

        return placement;
    }

    /// <summary>One line per process: its mesh positions, outer-axis coordinates and nodes.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(c, $"placement of {Mesh.Size} devices on {Processes} processes (contiguous along '{Mesh.AxisNames[0]}'):");
        for (int r = 0; r < Processes; r++)
        {
            int[] p = _positions[r];
            if (p.Length == 0)
            {
                sb.AppendLine(c, $"  rank {r}: no devices");
                continue;
            }

            int o0 = Mesh.Coordinate(p[0], 0), o1 = Mesh.Coordinate(p[^1], 0);
            var nodes = p.Select(x => Mesh.System.Devices[Mesh.Devices[x]].NodeIndex).Distinct().Order().ToArray();
            sb.AppendLine(c, $"  rank {r}: positions {p[0]}-{p[^1]} ({p.Length} devices, {Mesh.AxisNames[0]} {o0}-{o1}), nodes {nodes[0]}-{nodes[^1]}");
        }

        return sb.ToString();
    }
}
