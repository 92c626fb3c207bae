using System.Runtime.ExceptionServices;

namespace CloudMatrix.Compute.Kernels.Gemm;

/// <summary>
/// Persistent worker threads for GEMM: a call hands the same <see cref="GemmWork"/> to <c>parts - 1</c> workers
/// and runs part 0 itself, so there is one wake-up per call (not per block) and nothing is allocated in steady state.
/// </summary>
/// <remarks>
/// One call uses the pool at a time. A call that finds it busy (another thread's GEMM, or a GEMM issued from inside
/// a worker) runs on its own thread instead of waiting, so nested or concurrent use can never deadlock.
/// </remarks>
internal static class GemmWorkerPool
{
    private static readonly Lock Gate = new();
    private static readonly List<Worker> Workers = [];
    private static readonly ManualResetEventSlim Done = new(false, spinCount: 2000);
    private static GemmWork? s_current;
    private static int s_pending;
    private static Exception? s_failure;

    /// <summary>Runs <c>work.Execute(part)</c> for every part in [0, <paramref name="parts"/>), in parallel when the pool is free.</summary>
    internal static void Run(GemmWork work, int parts)
    {
        if (parts <= 1 || !TryRunParallel(work, parts))
        {
            for (int part = 0; part < parts; part++)
            {
                work.Execute(part, GemmWorkspace.Current);
            }
        }
    }

    /// <summary>
    /// Runs every part at once on <paramref name="parts"/> threads (the caller's and pool workers) and returns true;
    /// returns false, running nothing, when the pool is busy. Work whose parts wait for each other needs this form:
    /// run one after another, they would wait forever.
    /// </summary>
    internal static bool TryRunParallel(GemmWork work, int parts)
    {
        if (!Gate.TryEnter())
        {
            return false;
        }

        try
        {
            work.Prepare(parts);
            while (Workers.Count < parts - 1)
            {
                Workers.Add(new Worker(Workers.Count + 1));
            }

            s_current = work;
            s_failure = null;
            Done.Reset();
            Volatile.Write(ref s_pending, parts - 1);
            for (int w = 0; w < parts - 1; w++)
            {
                Workers[w].Start.Release();
            }

            Exception? own = null;
            try
            {
                work.Execute(0, GemmWorkspace.Current);
            }
            catch (Exception ex)
            {
                own = ex;
            }

            Done.Wait();
            s_current = null;
            Exception? failure = own ?? s_failure;
            if (failure is not null)
            {
                ExceptionDispatchInfo.Throw(failure);
            }

            return true;
        }
        finally
        {
            Gate.Exit();
        }
    }

    private sealed class Worker
    {
        public Worker(int part)
        {
            var thread = new Thread(() => Loop(part))
            {
                IsBackground = true,
                Name = $"cmx-gemm-{part}",
            };
            thread.Start();
        }

        public SemaphoreSlim Start { get; } = new(0);

        private void Loop(int part)
        {
            GemmWorkspace workspace = GemmWorkspace.Current;
            while (true)
            {
                Start.Wait();
                try
                {
                    s_current!.Execute(part, workspace);
                }
                catch (Exception ex)
                {
                    Interlocked.CompareExchange(ref s_failure, ex, null);
                }

                if (Interlocked.Decrement(ref s_pending) == 0)
                {
                    Done.Set();
                }
            }
        }
    }
}

/// <summary>A unit of GEMM work split into parts that run on different threads.</summary>
internal abstract class GemmWork
{
    /// <summary>Runs part <paramref name="part"/> with the calling thread's <paramref name="workspace"/>.</summary>
    public abstract void Execute(int part, GemmWorkspace workspace);

    /// <summary>Called under the pool's gate before the parts start, with their number (parts that meet at barriers arm them here).</summary>
    public virtual void Prepare(int parts)
    {
    }
}
