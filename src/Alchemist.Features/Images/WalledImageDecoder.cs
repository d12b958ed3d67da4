using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Text;
using Alchemist.Programs;
using Alchemist.Programs.Isolation;

namespace Alchemist.Features.Images;

/// <summary>
/// Decodes images in walled worker processes (<see cref="WalledProcess"/>), one per core at most, never in the process
/// that holds the user's keys: Skia's decoders are native code fed bytes from anywhere, and a crafted file that crashes one
/// or takes it over would end or own the run. A decoder process that dies, breaks the protocol or overruns
/// <see cref="Timeout"/> on an image makes that image a problem (named with its row like any unreadable image) and is
/// replaced; the pixels that come back are exactly <see cref="ImageDecoder.Decode"/>'s.
/// </summary>
public sealed class WalledImageDecoder : IDisposable
{
    /// <summary>The worker executable's mode that serves <see cref="Answer"/>.</summary>
    public const string Mode = "--decode-images";

    /// <summary>
    /// Managed heap of a decoder process: a 40-megapixel image is a 160 MB RGBA array and a shrink's intermediate rows, so
    /// 1 GiB leaves room; Skia's own buffers count against the OS data limit, this plus <see cref="NativeHeadroomBytes"/>.
    /// </summary>
    public const long HeapLimitBytes = 1L << 30;

    /// <summary>Native memory allowed beyond the managed heap (Skia's codec buffers, the runtime itself).</summary>
    public const long NativeHeadroomBytes = 768L << 20;

    /// <summary>
    /// Largest square side a decoder process returns: 2048 pixels, 12 MiB of RGB, inside what the engine reads from a worker
    /// at once (CLIP's encoders read 224 to 448).
    /// </summary>
    public const int MaxSize = 2048;

    /// <summary>Longest reason a decoder process gives for an image it refuses.</summary>
    private const int MaxReasonBytes = 4096;

    /// <summary>Characters of a decoder process's reason, or of why it failed, kept in an image's problem (one line).</summary>
    private const int MaxReasonChars = 600;

    private const byte Decoded = 0;
    private const byte Refused = 1;
    private readonly ConcurrentBag<(WalledProcess Process, int Decoded)> _idle = [];
    private readonly string? _workerPath;
    private int _started;
    private long _peakResidentBytes;
    private bool _disposed;

    /// <summary>A pool of decoder processes, started as images need them.</summary>
    /// <param name="workerPath">The worker executable; null: alchemist-worker.dll beside this assembly.</param>
    /// <exception cref="FileNotFoundException">The worker is missing: found here, before any image is read, not on the first one.</exception>
    public WalledImageDecoder(string? workerPath = null) => _workerPath = WalledProcess.Locate(workerPath);

    /// <summary>How long one image may take to decode before its process is stopped: 60 s (a 40-megapixel JPEG takes about 1).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Images one decoder process decodes before it is replaced: 1,000. An image that took a process over could falsify the
    /// pixels of the images that process decodes after it; a fresh process bounds how many. A start costs 86-93 ms here, under
    /// 0.1 ms an image at this count.
    /// </summary>
    public int ImagesPerProcess { get; init; } = 1000;

    /// <summary>Decoder processes started so far (a crash, an overrun or <see cref="ImagesPerProcess"/> starts another).</summary>
    public int ProcessesStarted => Volatile.Read(ref _started);

    /// <summary>
    /// The highest peak resident memory of any decoder process so far, as each reported it when it was retired (0 before
    /// one was, or where it cannot be read): memory the extraction used beside the main process's own.
    /// </summary>
    public long PeakResidentBytes => Interlocked.Read(ref _peakResidentBytes);

    /// <summary>The walls of a decoder process, as the first one started reported them; null before any started.</summary>
    public SandboxWalls? Walls { get; private set; }

    /// <summary>
    /// Decodes <paramref name="bytes"/> into <paramref name="destination"/> in a decoder process, as
    /// <see cref="ImageDecoder.Decode"/> would; the reason the image cannot be used, or null. Safe from many threads.
    /// </summary>
    public string? Decode(byte[] bytes, ImagePreprocessing preprocessing, Span<float> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, preprocessing.TensorLength, nameof(destination));
        if (preprocessing.Size > MaxSize)
        {
            throw new ArgumentException($"the image encoder reads {preprocessing.Size}-pixel squares; decoding in a walled process supports up to {MaxSize}", nameof(preprocessing));
        }

        var request = new byte[4 + bytes.Length];
        BinaryPrimitives.WriteInt32LittleEndian(request, preprocessing.Size);
        bytes.CopyTo(request, 4);
        var pixelBytes = 3 * preprocessing.Size * preprocessing.Size;
        var (process, decoded) = Take();
        byte[] answer;
        try
        {
            answer = process.Call(request, Timeout, 1 + Math.Max(pixelBytes, MaxReasonBytes));
        }
        catch (WalledProcessException e)
        {
            Retire(process);
            return $"the image decoder's process failed on it and was replaced: {Bounded.Line(e.Message, MaxReasonChars)}";
        }

        Return(process, decoded + 1);
        return ReadAnswer(answer, preprocessing, destination);
    }

    /// <summary>
    /// An answer as the engine takes it: the tensor written to <paramref name="destination"/> and null, or the reason the
    /// image cannot be used. A process an image took over writes the answer, and what it says is shown in logs, the
    /// terminal and the report: a reason becomes one bounded line, and any other shape is refused.
    /// </summary>
    internal static string? ReadAnswer(ReadOnlySpan<byte> answer, ImagePreprocessing preprocessing, Span<float> destination)
    {
        var pixelBytes = 3 * preprocessing.Size * preprocessing.Size;
        if (answer.Length > 0 && answer[0] == Refused)
        {
            return Bounded.Line(Encoding.UTF8.GetString(answer[1..]), MaxReasonChars);
        }

        if (answer.Length != 1 + pixelBytes || answer[0] != Decoded)
        {
            return $"the image decoder's process answered {answer.Length} bytes{(answer.Length > 0 ? $" marked {answer[0]}" : "")} where {1 + pixelBytes} marked {Decoded} were due";
        }

        // Normalized here, not there: bytes are a quarter of the floats through the socket (bench/run images, 10,000 images
        // cold: 2.27-2.38 s moving bytes, 2.40-2.50 s moving floats, 1.55-1.94 s decoding in process).
        ImageDecoder.Normalize(answer[1..], preprocessing, destination);
        return null;
    }

    /// <summary>
    /// The decoder process's side: a request is [int size][image bytes]; the answer [0][the centre square's RGB bytes] or
    /// [1][the reason, UTF-8].
    /// </summary>
    public static byte[] Answer(byte[] request)
    {
        if (request.Length < 4)
        {
            throw new InvalidDataException($"a decode request of {request.Length} bytes is shorter than its header");
        }

        var size = BinaryPrimitives.ReadInt32LittleEndian(request);
        if (size is < 1 or > MaxSize)
        {
            throw new InvalidDataException($"a decode request asks for a {size}-pixel square");
        }

        if (ImageDecoder.DecodeCrop(request[4..], size, out var pixels) is { } problem)
        {
            var reason = Encoding.UTF8.GetBytes(problem);
            return [Refused, .. reason.AsSpan(0, Math.Min(reason.Length, MaxReasonBytes))];
        }

        return [Decoded, .. pixels!];
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryTake(out var idle))
        {
            Retire(idle.Process);
        }
    }

    private (WalledProcess Process, int Decoded) Take()
    {
        while (_idle.TryTake(out var idle))
        {
            if (idle.Process.Usable)
            {
                return idle;
            }

            Retire(idle.Process);
        }

        var process = WalledProcess.Start(Mode, HeapLimitBytes, NativeHeadroomBytes, _workerPath);
        Interlocked.Increment(ref _started);
        Walls ??= process.Walls;
        return (process, 0);
    }

    private void Return(WalledProcess process, int decoded)
    {
        if (_disposed || !process.Usable || decoded >= ImagesPerProcess)
        {
            Retire(process);
            return;
        }

        _idle.Add((process, decoded));
    }

    /// <summary>Ends a decoder process, its peak memory read first (a high-water mark, so once at the end is enough).</summary>
    private void Retire(WalledProcess process)
    {
        var peak = process.PeakResidentBytes ?? 0;
        for (var seen = Interlocked.Read(ref _peakResidentBytes); peak > seen; seen = Interlocked.Read(ref _peakResidentBytes))
        {
            if (Interlocked.CompareExchange(ref _peakResidentBytes, peak, seen) == seen)
            {
                break;
            }
        }

        process.Dispose();
    }
}
