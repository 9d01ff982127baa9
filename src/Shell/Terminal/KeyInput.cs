using System.Threading.Channels;

namespace FastDb.Shell.Terminal;

/// <summary>
/// The terminal's keys, read on one thread for the whole session, so that Ctrl-C is a key and not a signal
/// (<see cref="Console.TreatControlCAsInput"/>) in every state: while a line is typed it reaches the line editor;
/// while a statement runs it goes to <see cref="Interrupt"/>, and any other key typed meanwhile waits in the queue for
/// the next prompt (type-ahead).
/// </summary>
public sealed class KeyInput
{
    private readonly Channel<ConsoleKeyInfo> _keys = Channel.CreateUnbounded<ConsoleKeyInfo>(new UnboundedChannelOptions { SingleReader = true });
    private volatile Action? _interrupt;

    public KeyInput()
    {
        Console.TreatControlCAsInput = true;
        var thread = new Thread(ReadLoop) { IsBackground = true, Name = "fastdb keys" };
        thread.Start();
    }

    /// <summary>What Ctrl-C does while no line is being edited (null: it is queued as a key).</summary>
    public Action? Interrupt
    {
        get => _interrupt;
        set => _interrupt = value;
    }

    public ValueTask<ConsoleKeyInfo> ReadAsync(CancellationToken cancellationToken = default) => _keys.Reader.ReadAsync(cancellationToken);

    public static bool IsControlC(ConsoleKeyInfo key) =>
        key.KeyChar == '\u0003' || (key.Key == ConsoleKey.C && key.Modifiers.HasFlag(ConsoleModifiers.Control));

    private void ReadLoop()
    {
        while (true)
        {
            ConsoleKeyInfo key;
            try
            {
                key = Console.ReadKey(intercept: true);
            }
            catch (InvalidOperationException)
            {
                _keys.Writer.TryComplete();
                return;
            }
            if (IsControlC(key) && _interrupt is { } interrupt)
            {
                interrupt();
                continue;
            }
            _keys.Writer.TryWrite(key);
        }
    }
}
