using System.Buffers;

namespace FastDb.QueryEngine.Commands;

/// <summary>Any script outside the fast path: carried as its text and run through the shell emulation.</summary>
public sealed class ScriptCommand(string script) : SqlCommand
{
    public override string Script { get; } = script;

    public override void WriteTo(IBufferWriter<byte> output)
    {
        int max = CommandCodec.Utf8.GetMaxByteCount(Script.Length);
        var span = output.GetSpan(1 + 5 + max);
        span[0] = CommandCodec.KindScript;
        int n = CommandCodec.Utf8.GetBytes(Script, span[6..]);
        int lenBytes = CommandCodec.WriteVarint(span[1..], (uint)n);
        if (lenBytes != 5) span.Slice(6, n).CopyTo(span[(1 + lenBytes)..]);
        output.Advance(1 + lenBytes + n);
    }

    public override string ToString() => "Script(" + Script + ")";
}
