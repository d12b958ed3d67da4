using System.Globalization;

namespace Alchemist;

/// <summary>
/// One run per project at a time: <c>.alchemist/run.lock</c>, held open without sharing for the whole run (an advisory lock
/// the operating system drops when the process ends, however it ends, so a killed run never blocks the next one), and
/// <c>run.lock.owner</c> beside it naming the process, since the locked file itself cannot be read by another.
/// </summary>
public sealed class ProjectLock : IDisposable
{
    private readonly FileStream _stream;

    private ProjectLock(FileStream stream) => _stream = stream;

    /// <summary>The lock file of the project in <paramref name="projectDirectory"/> (.alchemist/run.lock).</summary>
    public static string PathIn(string projectDirectory) => new ProjectLayout(projectDirectory).LockPath;

    /// <summary>Takes the lock, or fails with a <see cref="UserError"/> that names the process holding it.</summary>
    public static ProjectLock Acquire(string projectDirectory)
    {
        var path = PathIn(projectDirectory);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        try
        {
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            AtomicFile.WriteAllText(path + ".owner", string.Create(CultureInfo.InvariantCulture, $"pid {Environment.ProcessId}, since {DateTimeOffset.UtcNow:O}\n"));
            return new ProjectLock(stream);
        }
        catch (IOException e)
        {
            string holder;
            try
            {
                holder = File.ReadLines(path + ".owner").FirstOrDefault() ?? "another process";
            }
            catch (IOException)
            {
                holder = "another process";
            }

            throw new UserError($"another alchemist run is using {projectDirectory} ({holder}); wait for it to finish, or stop it", path, inner: e);
        }
    }

    /// <summary>Releases the lock; run.lock and run.lock.owner stay behind and do not block the next run.</summary>
    public void Dispose() => _stream.Dispose();
}
