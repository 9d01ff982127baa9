namespace FastDb.Server.Storage;

/// <summary>
/// The data directory is damaged or inconsistent: the node must not start (it would serve with less data than it
/// acknowledged). The message names the file, the byte offset, what is wrong and how to recover; the host prints it
/// and exits non-zero. The one exception type <see cref="LogStore.Load"/> throws for bad contents.
/// </summary>
public sealed class CorruptStorageException(string file, long offset, string problem, string directory)
    : IOException(
        $"{file}: {problem} (at byte offset {offset}). The node refuses to start rather than serve with less data than it acknowledged. " +
        $"To recover, stop the node, move the data directory away (mv {directory} {directory}.damaged) and start it again with the same command: " +
        "it starts empty, rejoins the cluster and catches up from the leader (a snapshot if needed) before it votes again. " +
        "A node that founded its cluster without --join must then be started with --join=ADDRESS of a live member, or it founds a new, empty cluster.")
{
    public string FilePath { get; } = file;
    public long Offset { get; } = offset;
    public string Problem { get; } = problem;
}
