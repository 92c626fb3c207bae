namespace CloudMatrix.Compute.Tensors;

/// <summary>
/// xoshiro256** 1.0 (Blackman and Vigna, 2018), seeded by expanding a 64-bit seed through SplitMix64 as the
/// authors recommend. Only 64-bit integer shifts, rotations, multiplications and additions: the stream for a seed is
/// the same on every machine and runtime, which <see cref="System.Random"/> does not promise.
/// </summary>
internal struct Xoshiro256StarStar
{
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>Seeds the state with four successive SplitMix64 outputs of <paramref name="seed"/> (never all zero).</summary>
    public Xoshiro256StarStar(ulong seed)
    {
        ulong state = seed;
        _s0 = SplitMix64(ref state);
        _s1 = SplitMix64(ref state);
        _s2 = SplitMix64(ref state);
        _s3 = SplitMix64(ref state);
    }

    /// <summary>One SplitMix64 step (Steele, Lea and Flood, 2014): advances <paramref name="state"/> and returns a
    /// mixed 64-bit value.</summary>
    public static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E37_79B9_7F4A_7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The next 64 uniformly distributed bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform double in [0, 1): the top 53 bits scaled by 2^-53, so every value is a multiple of 2^-53.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));
}
