namespace Alchemist.EndModel;

/// <summary>
/// How the end model reads numeric features: a missing or infinite value takes its feature's training mean (NaN would make
/// every weight it touches NaN, and an infinity cannot be scaled), then each feature is centred on that mean and divided by
/// its standard deviation, so that features of any range get comparable weights under one L2 penalty.
/// </summary>
internal sealed class NumberScaling
{
    private readonly float[] _means;
    private readonly float[] _scales;

    private NumberScaling(float[] means, float[] scales)
    {
        _means = means;
        _scales = scales;
    }

    public int Dimensions => _means.Length;

    /// <summary>Means and scales of the finite values of each feature over the given rows; a constant feature is only centred.</summary>
    public static NumberScaling Fit(IEnumerable<float[]> rows, int dimensions)
    {
        var counts = new long[dimensions];
        var sums = new double[dimensions];
        var squares = new double[dimensions];
        foreach (var row in rows)
        {
            for (var j = 0; j < dimensions; j++)
            {
                if (float.IsFinite(row[j]))
                {
                    counts[j]++;
                    sums[j] += row[j];
                    squares[j] += (double)row[j] * row[j];
                }
            }
        }

        var means = new float[dimensions];
        var scales = new float[dimensions];
        for (var j = 0; j < dimensions; j++)
        {
            var mean = counts[j] == 0 ? 0 : sums[j] / counts[j];
            var variance = counts[j] == 0 ? 0 : Math.Max(0, (squares[j] / counts[j]) - (mean * mean));
            means[j] = (float)mean;
            scales[j] = variance > 1e-12 ? (float)(1 / Math.Sqrt(variance)) : 1f;
        }

        return new NumberScaling(means, scales);
    }

    /// <summary>A row's features as the model reads them, into <paramref name="values"/>, with their slots (numbered from <paramref name="firstSlot"/>) into <paramref name="slots"/>.</summary>
    public void Scale(float[] row, int firstSlot, Span<int> slots, Span<float> values)
    {
        for (var j = 0; j < Dimensions; j++)
        {
            slots[j] = firstSlot + j;
            values[j] = float.IsFinite(row[j]) ? (row[j] - _means[j]) * _scales[j] : 0f;
        }
    }

    public void Write(BinaryWriter writer)
    {
        writer.Write(Dimensions);
        for (var j = 0; j < Dimensions; j++)
        {
            writer.Write(_means[j]);
            writer.Write(_scales[j]);
        }
    }

    public static NumberScaling Read(BinaryReader reader)
    {
        var dimensions = reader.ReadInt32();
        if (dimensions is < 0 or > 1_000_000)
        {
            throw new InvalidDataException($"{dimensions} numeric features");
        }

        var means = new float[dimensions];
        var scales = new float[dimensions];
        for (var j = 0; j < dimensions; j++)
        {
            means[j] = reader.ReadSingle();
            scales[j] = reader.ReadSingle();
        }

        return new NumberScaling(means, scales);
    }
}
