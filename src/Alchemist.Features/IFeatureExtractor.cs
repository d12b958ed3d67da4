using Alchemist.Features.Images;

namespace Alchemist.Features;

/// <summary>
/// Maps images and texts into one embedding space, where an image and a text that match point the same way (CLIP). Every
/// embedding it returns has unit length, so a dot product is a cosine similarity.
/// </summary>
public interface IFeatureExtractor : IDisposable
{
    /// <summary>How an image file becomes the input of <see cref="EmbedImages"/>.</summary>
    ImagePreprocessing Preprocessing { get; }

    /// <summary>Length of every embedding.</summary>
    int Dimensions { get; }

    /// <summary>
    /// Names the image side (the encoder's bytes and the preprocessing): two extractors with one key embed an image alike,
    /// so image embeddings are cached under it.
    /// </summary>
    string ImageKey { get; }

    /// <summary>
    /// Embeds <paramref name="count"/> images laid one after another in <paramref name="pixels"/>
    /// (<see cref="ImagePreprocessing.TensorLength"/> floats each); <paramref name="count"/> x <see cref="Dimensions"/> floats.
    /// </summary>
    float[] EmbedImages(ReadOnlySpan<float> pixels, int count);

    /// <summary>Embeds each text; <paramref name="texts"/>.Count x <see cref="Dimensions"/> floats.</summary>
    float[] EmbedTexts(IReadOnlyList<string> texts);
}
