using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace FastDb.Forwarder;

/// <summary>
/// Mutual TLS for TCP peer links (etcd's --peer-cert-file, --peer-key-file, --peer-trusted-ca-file): this node's
/// certificate (with its key) and the cluster CA, the only anchor a peer's certificate may chain to. One instance
/// serves both sides: PeerLink authenticates as a client and checks that the server's certificate names the address
/// it dialed; the receiving side authenticates as a server, requires a client certificate, and hands the identity in
/// it to the preamble check (a peer may only speak as the node its certificate names).
/// </summary>
/// <remarks>
/// On the wire a TLS peer connection starts with the 8 plaintext bytes of <see cref="Preamble.TlsMarker"/> so the
/// listener (shared with HTTP and HTTPS) knows it is a peer before any TLS byte; then the handshake; then, inside
/// TLS, the usual preamble and frames.
/// </remarks>
public sealed class PeerTls
{
    private readonly SslStreamCertificateContext _context;

    /// <exception cref="ArgumentException">The certificate has no key, or does not chain to the CA, or names no node.</exception>
    public PeerTls(X509Certificate2 certificate, X509Certificate2 authority) : this(certificate, authority, checkOwn: true)
    {
    }

    /// <param name="checkOwn">False only in tests: an outsider presenting a certificate of another CA.</param>
    internal PeerTls(X509Certificate2 certificate, X509Certificate2 authority, bool checkOwn)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(authority);
        if (!certificate.HasPrivateKey) throw new ArgumentException("the peer certificate has no private key", nameof(certificate));
        Certificate = certificate;
        Authority = authority;
        string? error = null;
        Identity = (checkOwn ? PeerCertificates.Verify(certificate, authority, asClient: true, out error) : PeerCertificates.IdentityOf(certificate))
            ?? throw new ArgumentException($"the node's own certificate: {error ?? "names no node"}", nameof(certificate));
        _context = SslStreamCertificateContext.Create(certificate, additionalCertificates: null, offline: true);
    }

    /// <summary>Reads PEM files: the certificate, its private key, and the CA certificate.</summary>
    /// <exception cref="ArgumentException">A file is unreadable, not PEM, or the certificate is not the CA's.</exception>
    public static PeerTls Load(string certificateFile, string keyFile, string authorityFile)
    {
        X509Certificate2 certificate, authority;
        try
        {
            certificate = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
            authority = X509Certificate2.CreateFromPem(File.ReadAllText(authorityFile));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new ArgumentException($"cannot read the peer certificate ({certificateFile}, {keyFile}, {authorityFile}): {e.Message}", e);
        }
        return new PeerTls(certificate, authority);
    }

    public X509Certificate2 Certificate { get; }

    public X509Certificate2 Authority { get; }

    /// <summary>The member identity this node's certificate carries: it must be the address the node is known by.</summary>
    public string Identity { get; }

    /// <summary>A TLS handshake that has not finished in this time is abandoned.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Client side: the server's certificate must chain to the CA and name <paramref name="peerAddress"/>.</summary>
    internal async Task AuthenticateAsClientAsync(SslStream stream, string peerAddress, CancellationToken cancellationToken)
    {
        string? refusal = null;
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = HostOf(peerAddress),
            ClientCertificateContext = _context,
            EnabledSslProtocols = SslProtocols.Tls13 | SslProtocols.Tls12,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            // Our own check, not the system's: the cluster CA is the only anchor and the identity is the URI SAN.
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                var identity = PeerCertificates.Verify(certificate as X509Certificate2 ?? (certificate is null ? null : new X509Certificate2(certificate)),
                    Authority, asClient: false, out refusal);
                if (identity is not null && identity != peerAddress)
                    refusal = $"the peer at {peerAddress} presented the certificate of '{identity}'";
                return identity is not null && refusal is null;
            },
        };
        try
        {
            await stream.AuthenticateAsClientAsync(options, cancellationToken).ConfigureAwait(false);
        }
        catch (AuthenticationException e) when (refusal is not null)
        {
            throw new AuthenticationException(refusal, e);
        }
    }

    /// <summary>Server side: requires a client certificate chaining to the CA; returns the identity it names.</summary>
    internal async Task<string> AuthenticateAsServerAsync(SslStream stream, CancellationToken cancellationToken)
    {
        string? refusal = null, identity = null;
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = _context,
            ClientCertificateRequired = true,
            EnabledSslProtocols = SslProtocols.Tls13 | SslProtocols.Tls12,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                identity = PeerCertificates.Verify(certificate as X509Certificate2 ?? (certificate is null ? null : new X509Certificate2(certificate)),
                    Authority, asClient: true, out refusal);
                return identity is not null;
            },
        };
        try
        {
            await stream.AuthenticateAsServerAsync(options, cancellationToken).ConfigureAwait(false);
        }
        catch (AuthenticationException e) when (refusal is not null)
        {
            throw new AuthenticationException(refusal, e);
        }
        return identity ?? throw new AuthenticationException("the peer presented no certificate");
    }

    private static string HostOf(string address)
    {
        var colon = address.LastIndexOf(':');
        return (colon > 0 ? address[..colon] : address).Trim('[', ']');
    }
}
