using System.Globalization;

namespace CloudMatrix.Compute.Tensors;

/// <summary>Shape validation and row-major strides shared by tensors and views.</summary>
internal static class Shapes
{
    /// <summary>Checks a shape (rank at least 1, every dimension at least 0, element count at most
    /// <see cref="Array.MaxLength"/>) and returns a copy with its row-major strides and element count.</summary>
    public static (int[] Shape, int[] Strides, int Length) RowMajor(ReadOnlySpan<int> shape, string paramName)
    {
        if (shape.IsEmpty)
        {
            throw new ArgumentException("shape has no dimensions; a tensor needs at least one.", paramName);
        }

        long length = 1;
        for (int axis = 0; axis < shape.Length; axis++)
        {
            if (shape[axis] < 0)
            {
                throw new ArgumentOutOfRangeException(paramName, shape[axis],
                    $"{paramName}[{axis}] is {shape[axis]} in {Format(shape)}; every dimension must be at least 0.");
            }

            length *= shape[axis];
            if (length > Array.MaxLength)
            {
                throw new ArgumentOutOfRangeException(paramName, Format(shape),
                    $"{paramName} {Format(shape)} has more than {Array.MaxLength} elements (the most one array holds); " +
                    "shard it or use a smaller shape.");
            }
        }

        int[] copy = shape.ToArray();
        var strides = new int[shape.Length];
        int stride = 1;
        for (int axis = shape.Length - 1; axis >= 0; axis--)
        {
            strides[axis] = stride;
            stride *= Math.Max(copy[axis], 1);
        }

        return (copy, strides, (int)length);
    }

    /// <summary>A shape as text, e.g. <c>[4, 8]</c>.</summary>
    public static string Format(ReadOnlySpan<int> shape) =>
        "[" + string.Join(", ", shape.ToArray().Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";

    /// <summary>Throws unless <paramref name="index"/> lies in [0, <paramref name="count"/>).</summary>
    public static void CheckIndex(int index, int count, string paramName)
    {
        if ((uint)index >= (uint)count)
        {
            throw new ArgumentOutOfRangeException(paramName, index, count == 0
                ? $"{paramName} is {index}, but the extent is 0: the view is empty and has no valid {paramName}."
                : $"{paramName} is {index}; it must be in [0, {count - 1}] (the extent is {count}).");
        }
    }

    /// <summary>Throws unless [start, start + count) lies in [0, extent).</summary>
    public static void CheckRange(int start, int count, int extent, string startName, string countName)
    {
        if (start < 0 || start > extent)
        {
            throw new ArgumentOutOfRangeException(startName, start,
                $"{startName} is {start}; it must be in [0, {extent}] (the extent is {extent}).");
        }

        if (count < 0 || count > extent - start)
        {
            throw new ArgumentOutOfRangeException(countName, count,
                $"{countName} is {count} from {startName} {start}; it must be in [0, {extent - start}] (the extent is {extent}).");
        }
    }
}
