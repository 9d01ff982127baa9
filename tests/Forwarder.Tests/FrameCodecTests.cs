using System.Buffers;

namespace FastDb.Forwarder.Tests;

public class FrameCodecTests
{
    [Theory]
    [InlineData(0UL, 1)]
    [InlineData(127UL, 1)]
    [InlineData(128UL, 2)]
    [InlineData(16_383UL, 2)]
    [InlineData(16_384UL, 3)]
    [InlineData(uint.MaxValue, 5)]
    [InlineData(ulong.MaxValue, 10)]
    public void Varint_round_trips_with_the_predicted_size(ulong value, int expectedSize)
    {
        Span<byte> buffer = stackalloc byte[FrameCodec.MaxVarintBytes];
        Assert.Equal(expectedSize, FrameCodec.VarintSize(value));
        Assert.Equal(expectedSize, FrameCodec.WriteVarint(buffer, value));
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(buffer[..expectedSize].ToArray()));
        Assert.Equal(ParseStatus.Complete, FrameCodec.TryReadVarint(ref reader, out ulong read));
        Assert.Equal(value, read);
        Assert.Equal(expectedSize, reader.Consumed);
    }

    [Fact]
    public void Varint_longer_than_ten_bytes_or_overflowing_is_invalid()
    {
        byte[] elevenBytes = [.. Enumerable.Repeat((byte)0xFF, 10), 0x01];
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(elevenBytes));
        Assert.Equal(ParseStatus.Invalid, FrameCodec.TryReadVarint(ref reader, out _));

        byte[] overflow = [.. Enumerable.Repeat((byte)0xFF, 9), 0x02]; // 2^64 doesn't fit
        reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(overflow));
        Assert.Equal(ParseStatus.Invalid, FrameCodec.TryReadVarint(ref reader, out _));
    }

    [Fact]
    public void An_empty_frame_costs_two_bytes_and_a_longer_payload_one_more_per_length_group()
    {
        Assert.Equal(2, FrameCodec.FrameSize(payloadLength: 0));
        Assert.Equal(2 + 30, FrameCodec.FrameSize(payloadLength: 30));
        Assert.Equal(2 + 127, FrameCodec.FrameSize(payloadLength: 127));
        Assert.Equal(3 + 128, FrameCodec.FrameSize(payloadLength: 128));
    }

    [Fact]
    public void The_header_is_the_length_varint_then_the_type_byte_and_nothing_else()
    {
        var frame = new byte[FrameCodec.FrameSize(3)];
        Assert.Equal(5, FrameCodec.WriteFrame(frame, 9, [0xA1, 0xB2, 0xC3]));
        Assert.Equal(new byte[] { 3, 9, 0xA1, 0xB2, 0xC3 }, frame);
    }

    [Fact]
    public void Frames_parse_from_any_split_of_the_bytes_and_never_consume_a_partial_frame()
    {
        var frames = new (byte Type, byte[] Payload)[]
        {
            (1, []),
            (2, [1, 2, 3]),
            (255, Enumerable.Range(0, 200).Select(i => (byte)i).ToArray()),
        };
        var wire = new List<byte>();
        foreach (var f in frames)
        {
            var buf = new byte[FrameCodec.FrameSize(f.Payload.Length)];
            Assert.Equal(buf.Length, FrameCodec.WriteFrame(buf, f.Type, f.Payload));
            wire.AddRange(buf);
        }
        byte[] bytes = [.. wire];

        // Every prefix: the parser returns exactly the frames that are complete in it and consumes exactly them.
        for (int cut = 0; cut <= bytes.Length; cut++)
        {
            var seq = Segmented(bytes.AsSpan(0, cut).ToArray(), segmentSize: 7);
            var reader = new SequenceReader<byte>(seq);
            int parsed = 0;
            long consumedAtFrameEnd = 0;
            while (FrameCodec.TryReadFrame(ref reader, 1024, out byte type, out var payload, out var error)
                   == ParseStatus.Complete)
            {
                Assert.Null(error);
                Assert.Equal(frames[parsed].Type, type);
                Assert.Equal(frames[parsed].Payload, payload.ToArray());
                parsed++;
                consumedAtFrameEnd = reader.Consumed;
            }
            Assert.Equal(consumedAtFrameEnd, reader.Consumed);
            int expectedComplete = 0;
            long end = 0;
            foreach (var f in frames)
            {
                end += FrameCodec.FrameSize(f.Payload.Length);
                if (end <= cut)
                    expectedComplete++;
            }
            Assert.Equal(expectedComplete, parsed);
        }
    }

    [Fact]
    public void A_length_over_the_maximum_is_invalid_before_the_payload_arrives()
    {
        var header = new byte[FrameCodec.MaxHeaderBytes];
        int n = FrameCodec.WriteHeader(header, 1, payloadLength: 2000);
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(header, 0, n));
        Assert.Equal(ParseStatus.Invalid, FrameCodec.TryReadFrame(ref reader, 1024, out _, out _, out var error));
        Assert.Contains("over the maximum", error);
    }

    [Fact]
    public void Negative_payload_length_is_refused_by_the_writer()
    {
        var header = new byte[FrameCodec.MaxHeaderBytes];
        Assert.Throws<ArgumentOutOfRangeException>(() => FrameCodec.WriteHeader(header, 1, payloadLength: -1));
    }

    internal static ReadOnlySequence<byte> Segmented(byte[] bytes, int segmentSize)
    {
        if (bytes.Length == 0)
            return ReadOnlySequence<byte>.Empty;
        Segment? first = null, last = null;
        for (int i = 0; i < bytes.Length; i += segmentSize)
        {
            var chunk = bytes.AsMemory(i, Math.Min(segmentSize, bytes.Length - i));
            if (first is null)
                first = last = new Segment(chunk, 0);
            else
                last = last!.Append(chunk);
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}

public class PreambleTests
{
    [Fact]
    public void Preamble_round_trips_the_sender_name()
    {
        byte[] bytes = Preamble.Encode("./node3.sock");
        Assert.Equal("FASTDB\x04\n"u8.ToArray(), bytes[..8]);
        for (int cut = 0; cut < bytes.Length; cut++)
        {
            var partial = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes, 0, cut));
            Assert.Equal(ParseStatus.NeedMoreData, Preamble.TryRead(ref partial, out _, out _));
            Assert.Equal(0, partial.Consumed);
        }
        var reader = new SequenceReader<byte>(FrameCodecTests.Segmented(bytes, 3));
        Assert.Equal(ParseStatus.Complete, Preamble.TryRead(ref reader, out string name, out _));
        Assert.Equal("./node3.sock", name);
        Assert.Equal(bytes.Length, reader.Consumed);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_cluster_rules_byte_moves_the_preamble_to_versions_6_and_7(bool compressed)
    {
        byte[] bytes = Preamble.Encode("./node3.sock", compressed, rules: 2);
        Assert.Equal([.. "FASTDB"u8, compressed ? (byte)7 : (byte)6, (byte)'\n', 2], bytes[..9]);
        for (int cut = 0; cut < bytes.Length; cut++)
        {
            var partial = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes, 0, cut));
            Assert.Equal(ParseStatus.NeedMoreData, Preamble.TryRead(ref partial, out _, out _, out _, out _));
        }
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));
        Assert.Equal(ParseStatus.Complete, Preamble.TryRead(ref reader, out string name, out bool c, out byte rules, out _));
        Assert.Equal(("./node3.sock", compressed, (byte)2), (name, c, rules));

        // Rules 0 is the version 4/5 preamble an older build reads; a 6 or 7 carrying 0 is malformed.
        Assert.Equal(Preamble.Encode("./node3.sock", compressed), Preamble.Encode("./node3.sock", compressed, rules: 0));
        reader = new SequenceReader<byte>(new ReadOnlySequence<byte>([.. "FASTDB\x06\n"u8, 0, 1, (byte)'a']));
        Assert.Equal(ParseStatus.Invalid, Preamble.TryRead(ref reader, out _, out _, out _, out string? error));
        Assert.Contains("rules byte of 0", error);
    }

    [Theory]
    [InlineData("FASTDB\u0002\n\u0001a", "unknown peer protocol version 2")]
    [InlineData("FASTDB\u0001\n\u0001a", "unknown peer protocol version 1")] // before Raft messages lost their ids
    [InlineData("FASTDB\u0003\n\u0001a", "unknown peer protocol version 3")] // before frames lost their correlation id
    [InlineData("FASTDB\u0004X\u0001a", "no newline")]
    [InlineData("FASTDX\u0004\n\u0001a", "magic")]
    public void Bad_preambles_are_invalid_with_a_reason(string wire, string reason)
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(System.Text.Encoding.Latin1.GetBytes(wire)));
        Assert.Equal(ParseStatus.Invalid, Preamble.TryRead(ref reader, out _, out string? error));
        Assert.Contains(reason, error);
    }

    [Fact]
    public void Oversized_or_non_utf8_names_are_invalid()
    {
        byte[] longName = [.. "FASTDB\x04\n"u8, 0x80, 0x02]; // name length 256
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(longName));
        Assert.Equal(ParseStatus.Invalid, Preamble.TryRead(ref reader, out _, out _));

        byte[] badUtf8 = [.. "FASTDB\x04\n"u8, 0x02, 0xC3, 0x28];
        reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(badUtf8));
        Assert.Equal(ParseStatus.Invalid, Preamble.TryRead(ref reader, out _, out string? error));
        Assert.Contains("UTF-8", error);

        Assert.Throws<ArgumentException>(() => Preamble.Encode(new string('x', 300)));
    }

    [Theory]
    [InlineData("", SniffResult.NeedMoreData)]
    [InlineData("FAS", SniffResult.NeedMoreData)]
    [InlineData("FASTDB", SniffResult.Peer)]
    [InlineData("FASTDB\u0004\n", SniffResult.Peer)]
    [InlineData("GET / HTTP/1.1\r\n", SniffResult.NotPeer)]
    [InlineData("FAX", SniffResult.NotPeer)]
    [InlineData("POST /sql HTTP/1.1\r\n", SniffResult.NotPeer)]
    public void Sniff_tells_peers_from_http(string firstBytes, SniffResult expected)
    {
        Assert.Equal(expected, Preamble.Sniff(new ReadOnlySequence<byte>(System.Text.Encoding.ASCII.GetBytes(firstBytes))));
    }
}

public class PeerAddressTests
{
    [Fact]
    public void Socket_paths_and_host_ports_parse()
    {
        Assert.IsType<System.Net.Sockets.UnixDomainSocketEndPoint>(PeerAddress.Parse("./node3.sock"));
        Assert.IsType<System.Net.Sockets.UnixDomainSocketEndPoint>(PeerAddress.Parse("/tmp/x/node0.sock"));
        Assert.Equal(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 7000), PeerAddress.Parse("127.0.0.1:7000"));
        Assert.Equal(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 7000), PeerAddress.Parse("localhost:7000"));
        Assert.Equal(new System.Net.IPEndPoint(System.Net.IPAddress.IPv6Loopback, 7000), PeerAddress.Parse("[::1]:7000"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("node3")]
    [InlineData("host:0")]
    [InlineData("host:99999")]
    [InlineData(":80")]
    public void Nonsense_addresses_are_a_clear_error(string address)
    {
        var e = Assert.Throws<FormatException>(() => PeerAddress.Parse(address));
        Assert.NotEmpty(e.Message);
    }
}
