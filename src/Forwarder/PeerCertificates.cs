using System.Formats.Asn1;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace FastDb.Forwarder;

/// <summary>
/// The cluster's certificates: a CA, and per node a certificate that binds the node's member identity (the peer
/// address it is known by, "127.0.0.2:4001") as a URI subject alternative name "fastdb://ADDRESS". Creates them
/// (ECDSA P-256, what <c>sqlcluster cert</c> writes) and verifies a peer's: chain to the cluster CA as the only trust
/// anchor, validity, key usage for the side it is used on, and the identity it carries.
/// </summary>
public static class PeerCertificates
{
    /// <summary>Prefix of the URI SAN that carries a node's identity.</summary>
    public const string IdentityScheme = "fastdb://";

    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");
    private const string SubjectAltNameOid = "2.5.29.17";

    /// <summary>A self-signed CA (10 years), with its private key.</summary>
    public static X509Certificate2 CreateAuthority(string commonName, DateTimeOffset? now = null)
    {
        var start = (now ?? DateTimeOffset.UtcNow).AddMinutes(-5);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(Name(commonName), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(start, start.AddYears(10));
    }

    /// <summary>
    /// A node certificate for <paramref name="address"/> (2 years), signed by <paramref name="authority"/> (which must
    /// hold its private key), with its own private key. Usable as a server and as a client certificate; also names
    /// the host as an IP or DNS SAN so it can serve HTTPS too.
    /// </summary>
    public static X509Certificate2 CreateNode(X509Certificate2 authority, string address, DateTimeOffset? now = null)
    {
        if (ValidateIdentity(address) is { } error) throw new ArgumentException(error, nameof(address));
        using var caKey = authority.GetECDsaPrivateKey() ?? throw new ArgumentException("the CA certificate has no ECDSA private key", nameof(authority));
        var start = (now ?? DateTimeOffset.UtcNow).AddMinutes(-5);
        var end = start.AddYears(2);
        if (end > authority.NotAfter) end = authority.NotAfter;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(Name(address), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([ServerAuth, ClientAuth], false));
        request.CertificateExtensions.Add(new X509Extension(SubjectAltNameOid, EncodeSubjectAltName(address), false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // a positive serial number
        using var signed = request.Create(authority.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), start, end, serial);
        return signed.CopyWithPrivateKey(key);
    }

    /// <summary>Null if <paramref name="address"/> can be a certificate identity (printable ASCII host:port), else why not.</summary>
    public static string? ValidateIdentity(string address)
    {
        if (string.IsNullOrEmpty(address)) return "the node name is empty";
        foreach (var c in address)
            if (c is <= ' ' or > '~') return $"the node name '{address}' must be printable ASCII without spaces";
        if (PeerAddress.IsUnixSocket(address)) return $"'{address}' is a Unix socket path: peer TLS is for TCP addresses (host:port)";
        try
        {
            PeerAddress.Parse(address);
        }
        catch (FormatException e)
        {
            return e.Message;
        }
        return null;
    }

    /// <summary>The member identity a certificate carries (its "fastdb://" URI SAN), or null if it has none.</summary>
    public static string? IdentityOf(X509Certificate2 certificate)
    {
        foreach (var extension in certificate.Extensions)
        {
            if (extension.Oid?.Value != SubjectAltNameOid) continue;
            try
            {
                var reader = new AsnReader(extension.RawData, AsnEncodingRules.DER);
                var names = reader.ReadSequence();
                while (names.HasData)
                {
                    var tag = names.PeekTag();
                    if (tag.TagClass == TagClass.ContextSpecific && tag.TagValue == 6)
                    {
                        var uri = names.ReadCharacterString(UniversalTagNumber.IA5String, new Asn1Tag(TagClass.ContextSpecific, 6));
                        if (uri.StartsWith(IdentityScheme, StringComparison.Ordinal)) return uri[IdentityScheme.Length..];
                    }
                    else
                    {
                        names.ReadEncodedValue();
                    }
                }
            }
            catch (AsnContentException)
            {
                return null;
            }
        }
        return null;
    }

    /// <summary>
    /// Checks a peer's certificate: it chains to <paramref name="authority"/> and to nothing else (the CA is the only
    /// trust anchor; the system store is not consulted), is within its validity, allows the use it is put to (client
    /// side of an inbound link, server side of an outbound one), and carries an identity. Returns that identity, or
    /// null with <paramref name="error"/> saying why not.
    /// </summary>
    public static string? Verify(X509Certificate2? certificate, X509Certificate2 authority, bool asClient, out string? error)
    {
        if (certificate is null)
        {
            error = "no certificate presented";
            return null;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.ApplicationPolicy.Add(asClient ? ClientAuth : ServerAuth);
        if (!chain.Build(certificate))
        {
            var reasons = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
            error = $"certificate '{certificate.Subject}' is not valid for this cluster: {(reasons.Length > 0 ? reasons : "untrusted chain")}";
            return null;
        }
        var root = chain.ChainElements[^1].Certificate;
        if (!root.RawDataMemory.Span.SequenceEqual(authority.RawDataMemory.Span))
        {
            error = $"certificate '{certificate.Subject}' does not chain to the cluster CA";
            return null;
        }
        if (IdentityOf(certificate) is not { } identity)
        {
            error = $"certificate '{certificate.Subject}' names no node (no {IdentityScheme} subject alternative name)";
            return null;
        }
        error = null;
        return identity;
    }

    /// <summary>GeneralNames: the identity URI, and the host as an IP address or DNS name.</summary>
    private static byte[] EncodeSubjectAltName(string address)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteCharacterString(UniversalTagNumber.IA5String, IdentityScheme + address, new Asn1Tag(TagClass.ContextSpecific, 6));
            var host = address[..address.LastIndexOf(':')].Trim('[', ']');
            if (IPAddress.TryParse(host, out var ip))
                writer.WriteOctetString(ip.GetAddressBytes(), new Asn1Tag(TagClass.ContextSpecific, 7));
            else
                writer.WriteCharacterString(UniversalTagNumber.IA5String, host, new Asn1Tag(TagClass.ContextSpecific, 2));
        }
        return writer.Encode();
    }

    private static X500DistinguishedName Name(string commonName)
    {
        var builder = new X500DistinguishedNameBuilder();
        builder.AddCommonName(commonName);
        return builder.Build();
    }
}
