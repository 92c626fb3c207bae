namespace CloudMatrix.Compute.Sharding;

/// <summary>
/// A named algorithm for <c>C = A·B</c> over a mesh. Each builds a plan DAG; it states what it needs of the mesh
/// (<see cref="MeshNeeds"/>) and refuses a mesh it cannot use with the reason.
/// </summary>
public sealed class Strategy
{
    private Strategy(string name, string description, string meshNeeds)
    {
        Name = name;
        Description = description;
        MeshNeeds = meshNeeds;
    }

    /// <summary>The name <c>cmx matmul --strategy</c> takes.</summary>
    public string Name { get; }

    /// <summary>What it does.</summary>
    public string Description { get; }

    /// <summary>What it needs of the mesh.</summary>
    public string MeshNeeds { get; }

    /// <summary>Data-parallel rows: A[M@all, K], B replicated; no communication.</summary>
    public static Strategy Rows { get; } = new("rows", "data-parallel rows: A[M@all axes, K] x B replicated -> C[M@all, N]; no communication", "any mesh");

    /// <summary>Megatron column-parallel: A replicated, B[K, N@all]; no communication.</summary>
    public static Strategy Columns { get; } = new("columns", "column-parallel (Megatron): A replicated x B[K, N@all axes] -> C[M, N@all]; no communication", "any mesh");

    /// <summary>Row-parallel / K-split finished by all-reduce: A[M@outer, K@last], B[K@last, N].</summary>
    public static Strategy RowParallel { get; } = new("row-parallel", "row-parallel (Megatron) / K-split: A[M@outer axes, K@last axis] x B[K@last, N] -> partial C, all-reduced over the last axis -> C[M@outer, N]", "any mesh; K divides over the last axis");

    /// <summary>Row-parallel finished by reduce-scatter: C[M@(outer, last), N].</summary>
    public static Strategy RowParallelReduceScatter { get; } = new("row-parallel-rs", "row-parallel with reduce-scatter: partial C reduce-scattered over the last axis -> C[M@(outer, last), N]", "any mesh");

    /// <summary>2-D SUMMA with pipelined panel broadcasts on an r x c grid.</summary>
    public static Strategy Summa { get; } = new("summa", "2-D SUMMA: A[M@x, K@y], B[K@x, N@y] -> C[M@x, N@y]; lcm(r, c) panel steps, each an A-panel broadcast along rows and a B-panel broadcast along columns, overlapped with the previous panel's GEMM", "a 2-D mesh (x, y); K divides by lcm(x, y)");

    /// <summary>Cannon on a q x q grid: skew, then q multiply-and-shift steps.</summary>
    public static Strategy Cannon { get; } = new("cannon", "Cannon: A[M@x, K@y], B[K@x, N@y] skewed, then q steps of a local GEMM and a one-hop shift of A along rows and B along columns", "a square 2-D mesh (q x q), e.g. a subset of the devices");

    /// <summary>2.5-D: SUMMA on each of c layers over a 1/c slice of K, then a reduction over the layers.</summary>
    public static Strategy TwoPointFiveD { get; } = new("2.5d", "2.5-D (Solomonik-Demmel): mesh (x, y, z) = q x q x c; each layer runs SUMMA over its 1/c of K, then partial C is reduce-scattered over z -> C[M@x, N@(y,z)]", "a 3-D mesh q x q x c (384 = 8x8x6)");

    /// <summary>3-D (Agarwal): all-gather A over y, B over x, local GEMM, reduce-scatter C over z.</summary>
    public static Strategy ThreeD { get; } = new("3d", "3-D (Agarwal): A[M@x, K@(z,y)] all-gathered over y, B[K@(z,x), N@y] over x, local GEMM, partial C reduce-scattered over z -> C[M@x, N@(y,z)]", "a 3-D mesh (x, y, z), a cube q x q x q in the classic form");

    /// <summary>Collective matmul: an all-gather of A decomposed into P ppermute steps overlapped with P partial GEMMs.</summary>
    public static Strategy CollectiveMatmul { get; } = new("collective-matmul", "collective matmul (Wang et al., ASPLOS'23): A[M@(outer, last), K], B[K, N@last]; A's all-gather over the last axis decomposed into P one-hop ppermutes, each overlapped with a GEMM on the block that has arrived -> C[M@outer, N@last]", "any mesh; the ring is the last axis");

    /// <summary>Derived from the operands' specs by the einsum rule.</summary>
    public static Strategy FromSpecs { get; } = new("specs", "from the specs (einsum rule): C = A's free dims x B's free dims; a contracting dim split on both gives a partial C, finished by the out-spec's collective", "the specs' axes exist; K split the same way on A and B");

    /// <summary>The planner's choice: the fastest feasible strategy and mesh by the estimates (<see cref="Planner"/>).</summary>
    public static Strategy Auto { get; } = new("auto", "the fastest feasible candidate of the planner's ranking (strategy x mesh factorisation x reduction algorithm)", "any system");

    /// <summary>Every named strategy.</summary>
    public static IReadOnlyList<Strategy> All { get; } = [Rows, Columns, RowParallel, RowParallelReduceScatter, Summa, Cannon, TwoPointFiveD, ThreeD, CollectiveMatmul];

    /// <summary>The strategy named <paramref name="name"/> (case-insensitive).</summary>
    /// <param name="name">A name from <see cref="All"/>.</param>
    /// <returns>The strategy.</returns>
    /// <exception cref="ArgumentException">Unknown name; the message lists the valid ones.</exception>
    public static Strategy Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return All.Concat([FromSpecs, Auto]).FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"Unknown strategy '{name}'; valid: auto, {string.Join(", ", All.Select(s => s.Name))}.", nameof(name));
    }

    /// <summary>The name.</summary>
    /// <returns>The name.</returns>
    public override string ToString() => Name;
}
