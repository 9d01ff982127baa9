using System.Buffers;
using System.IO.Pipelines;

namespace FastDb.Forwarder.Tests;

/// <summary>The compressed stream's two halves against each other, without sockets (LinkCompression.cs).</summary>
public class LinkCompressionTests
{
    [Theory]
    [InlineData(1)]       // every byte arrives alone: chunk headers and markers split at every point
    [InlineData(7)]
    [InlineData(65_536)]
    public async Task Batches_inflate_to_the_same_bytes_however_the_chunks_are_cut(int deliverySize)
    {
        var rng = new Random(deliverySize);
        var batches = new List<byte[]>();
        for (int i = 0; i < 40; i++)
        {
            var batch = new byte[i == 20 ? 150_000 : rng.Next(1, 300)]; // one batch of several pieces
            if (i % 3 == 0) rng.NextBytes(batch); else batch.AsSpan().Fill((byte)i);
            batches.Add(batch);
        }
        using var deflater = new LinkDeflater();
        var wire = new ArrayBufferWriter<byte>();
        foreach (var batch in batches)
            deflater.Write(batch, wire);
        var expected = batches.SelectMany(b => b).ToArray();

        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        var bytes = wire.WrittenMemory;
        for (int at = 0; at < bytes.Length; at += deliverySize)
        {
            await pipe.Writer.WriteAsync(bytes.Slice(at, Math.Min(deliverySize, bytes.Length - at)));
        }
        await pipe.Writer.CompleteAsync();

        var inflated = LinkInflater.Open(pipe.Reader);
        var received = new List<byte>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            var result = await inflated.ReadAsync(timeout.Token);
            received.AddRange(result.Buffer.ToArray());
            inflated.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted) break;
        }
        Assert.Equal(expected, received.ToArray());
        Assert.True(wire.WrittenCount < expected.Length, "the alike batches shrank");
    }

    [Fact]
    public void An_alike_batch_costs_under_half_once_the_window_holds_its_like()
    {
        using var deflater = new LinkDeflater();
        var sink = new ArrayBufferWriter<byte>();
        // An append-sized frame (about 40 bytes), sent twice as a leader sends alike appends.
        var append = System.Text.Encoding.ASCII.GetBytes("\x29\x03\x05term7 prev 1041 commit 1040 siddarth abcdekq");
        int first = deflater.Write(append, sink);
        int second = deflater.Write(append, sink);
        Assert.True(second * 2 < append.Length && second < first, $"first {first}, second {second} bytes for {append.Length}");
    }
}
