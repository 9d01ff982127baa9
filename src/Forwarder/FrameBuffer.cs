using System.Runtime.InteropServices;

namespace FastDb.Forwarder;

/// <summary>
/// Holds the payload of one large frame while it arrives (see PeerProtocolOptions.InlineFrameBytes). On Linux it is
/// an anonymous private mapping of the claimed length: only address space until bytes are written into it, so memory
/// becomes resident exactly as fast as the peer sends, and munmap gives it back to the kernel the moment the frame is
/// delivered or its connection ends (a managed array would stay in the process until a full GC, and RSS often
/// longer). Elsewhere a managed array that grows by doubling with the bytes received.
/// </summary>
internal sealed unsafe class FrameBuffer : IDisposable
{
    private const int ProtRead = 1, ProtWrite = 2, MapPrivate = 0x02, MapAnonymous = 0x20, MapNoReserve = 0x4000;

    [DllImport("libc", EntryPoint = "mmap")]
    private static extern nint Mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

    [DllImport("libc", EntryPoint = "munmap")]
    private static extern int Munmap(nint address, nuint length);

    private readonly int _length;
    private nint _mapped;
    private byte[]? _managed;

    private FrameBuffer(int length, nint mapped)
    {
        _length = length;
        _mapped = mapped;
    }

    public static FrameBuffer Create(int length)
    {
        if (OperatingSystem.IsLinux() && length > 0)
        {
            var address = Mmap(0, (nuint)length, ProtRead | ProtWrite, MapPrivate | MapAnonymous | MapNoReserve, -1, 0);
            if (address != -1) return new FrameBuffer(length, address);
        }
        return new FrameBuffer(length, 0);
    }

    /// <summary>Bytes that count against the budget once <paramref name="filled"/> bytes are in: what is resident.</summary>
    public long ResidentFor(int filled, int minimumGrowth) =>
        _mapped != 0 ? filled : Math.Min(_length, Math.Max(filled, Math.Max(2L * (_managed?.Length ?? 0), minimumGrowth)));

    /// <summary>Makes the first <paramref name="filled"/> bytes writable (grows the managed fallback; nothing to do when mapped).</summary>
    public void EnsureCapacity(int filled, int keep, int minimumGrowth)
    {
        if (_mapped != 0 || (_managed?.Length ?? 0) >= filled) return;
        var grown = GC.AllocateUninitializedArray<byte>((int)ResidentFor(filled, minimumGrowth));
        _managed?.AsSpan(0, keep).CopyTo(grown);
        _managed = grown;
    }

    /// <summary>The whole payload (only the filled part is meaningful).</summary>
    public Span<byte> Span => _mapped != 0 ? new Span<byte>((void*)_mapped, _length) : _managed.AsSpan();

    public void Dispose()
    {
        if (_mapped != 0)
        {
            Munmap(_mapped, (nuint)_length);
            _mapped = 0;
        }
        _managed = null;
    }
}
