using CloudMatrix.Compute.Kernels.Gemm;

namespace CloudMatrix.Compute.Kernels.Tests.Gemm;

/// <summary>Packing buffers are 64-byte aligned, large ones start on a 2 MiB page, and every byte asked for is usable.</summary>
public class PackMemoryTests
{
    [Theory]
    [InlineData(64)]
    [InlineData(100_000)]
    [InlineData(256 << 10)]
    [InlineData((3 << 20) + 12)]
    public unsafe void Allocate_IsAligned_AndHoldsEveryByteAskedFor(int bytes)
    {
        byte* memory = (byte*)PackMemory.Allocate((nuint)bytes);
        try
        {
            Assert.Equal(0, (nint)memory & 63);
            if (bytes >= (256 << 10) && OperatingSystem.IsLinux())
            {
                Assert.Equal(0, (nint)memory & ((2 << 20) - 1));
            }

            // Write a pattern over the whole length, then read it back: the allocation covers every byte.
            for (int i = 0; i < bytes; i++)
            {
                memory[i] = (byte)(i * 31);
            }

            int wrong = 0;
            for (int i = 0; i < bytes; i++)
            {
                wrong += memory[i] == (byte)(i * 31) ? 0 : 1;
            }

            Assert.Equal(0, wrong);
        }
        finally
        {
            PackMemory.Free(memory);
        }
    }
}
