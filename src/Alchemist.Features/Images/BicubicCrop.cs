namespace Alchemist.Features.Images;

/// <summary>
/// CLIP's resize and centre crop as ImageSharp 2's <c>Resize</c> (crop mode, centred, bicubic) computed it, so that images
/// decoded before and after the change to Skia give the same pixels (within rounding) and their scores stay comparable.
/// </summary>
/// <remarks>
/// The image is scaled so that its shorter side is the output side, each axis on its own (across, then down), and the
/// part of the scaled image under the output square is computed; the scaled image itself is never made. Each output pixel
/// weighs the source pixels under a Catmull-Rom cubic (Keys, a = -0.5, as PIL's bicubic that CLIP's own preprocessing uses)
/// stretched by the shrink factor, so a large photo is averaged rather than sampled; weights that fall past the image's
/// edge are left out and the rest scaled to sum to 1. Values are rounded to 8 bits at the end, as ImageSharp's RGB pixels
/// held them.
/// </remarks>
internal static class BicubicCrop
{
    /// <summary>ImageSharp's tolerance for rounding a kernel's reach: 2.000000001 source pixels reach 2, not 3.</summary>
    private const double Tolerance = 1e-8;

    /// <summary>
    /// The <paramref name="size"/> x <paramref name="size"/> centre of <paramref name="rgba"/> (rows of R, G, B, A bytes;
    /// alpha is not read) scaled as the class says: R, G, B bytes, row by row.
    /// </summary>
    public static byte[] Resize(byte[] rgba, int width, int height, int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rgba.Length, 4L * width * height, nameof(rgba));

        // ImageSharp's crop rectangle: single-precision factors, the scaled side rounded up, the offset rounded half to even.
        float percentHeight = size / (float)height, percentWidth = size / (float)width;
        int left = 0, top = 0, scaledWidth = size, scaledHeight = size;
        if (percentHeight < percentWidth)
        {
            top = (int)MathF.Round((size - (height * percentWidth)) / 2f);
            scaledHeight = (int)MathF.Ceiling(height * percentWidth);
        }
        else
        {
            left = (int)MathF.Round((size - (width * percentHeight)) / 2f);
            scaledWidth = (int)MathF.Ceiling(width * percentHeight);
        }

        var columns = Kernels(width, scaledWidth, -left, size);
        var rows = Kernels(height, scaledHeight, -top, size);
        var firstRow = rows.Min(k => k.Start);
        var endRow = rows.Max(k => k.Start + k.Weights.Length);

        // Across: only the source rows some output row reads.
        var stride = size * 3;
        var across = new float[(endRow - firstRow) * stride];
        for (var y = firstRow; y < endRow; y++)
        {
            var line = rgba.AsSpan(y * width * 4, width * 4);
            var into = across.AsSpan((y - firstRow) * stride, stride);
            for (var x = 0; x < size; x++)
            {
                var (start, weights) = columns[x];
                float r = 0, g = 0, b = 0;
                for (var j = 0; j < weights.Length; j++)
                {
                    var at = (start + j) * 4;
                    var w = weights[j];
                    r += line[at] * w;
                    g += line[at + 1] * w;
                    b += line[at + 2] * w;
                }

                into[3 * x] = r;
                into[(3 * x) + 1] = g;
                into[(3 * x) + 2] = b;
            }
        }

        // Down.
        var pixels = new byte[size * stride];
        for (var y = 0; y < size; y++)
        {
            var (start, weights) = rows[y];
            for (var x = 0; x < stride; x++)
            {
                var v = 0f;
                for (var j = 0; j < weights.Length; j++)
                {
                    v += across[((start + j - firstRow) * stride) + x] * weights[j];
                }

                pixels[(y * stride) + x] = (byte)Math.Clamp(v + 0.5f, 0f, 255f);
            }
        }

        return pixels;
    }

    /// <summary>
    /// The weights of output positions <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> - 1
    /// of <paramref name="source"/> pixels scaled to <paramref name="scaled"/>: each position's first source pixel and the
    /// weights from there. As ImageSharp's kernel map: weights summed and divided in double precision, kept as floats.
    /// </summary>
    internal static (int Start, float[] Weights)[] Kernels(int source, int scaled, int first, int count)
    {
        var ratio = (double)source / scaled;
        var stretch = Math.Max(1, ratio);
        var radius = (int)Math.Ceiling((stretch * 2) - Tolerance);
        var kernels = new (int, float[])[count];
        var values = new double[(2 * radius) + 2];
        for (var k = 0; k < count; k++)
        {
            var centre = ((first + k + 0.5) * ratio) - 0.5;
            var start = Math.Max(0, (int)Math.Ceiling(centre - radius - Tolerance));
            var end = Math.Min(source - 1, (int)Math.Floor(centre + radius + Tolerance));
            var length = Math.Max(0, end - start + 1);
            var sum = 0d;
            for (var j = 0; j < length; j++)
            {
                sum += values[j] = CatmullRom((float)((start + j - centre) / stretch));
            }

            var weights = new float[length];
            for (var j = 0; j < length; j++)
            {
                weights[j] = (float)(sum > 0 ? values[j] / sum : values[j]);
            }

            kernels[k] = (start, weights);
        }

        return kernels;
    }

    private static float CatmullRom(float x)
    {
        x = MathF.Abs(x);
        return x <= 1f ? (((1.5f * x) - 2.5f) * x * x) + 1f
            : x < 2f ? (((((-0.5f * x) + 2.5f) * x) - 4f) * x) + 2f
            : 0f;
    }
}
