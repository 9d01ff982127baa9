using System.Security.Cryptography.X509Certificates;
using FastDb.Forwarder;
using FastDb.Server.Http.Auth;

namespace FastDb.Server.Startup;

/// <summary>What guards a node: peer TLS, HTTPS and the API's users, loaded and checked before anything listens.</summary>
public sealed record NodeSecurity(PeerTls? PeerTls, X509Certificate2? HttpsCertificate, UserStore? Users)
{
    /// <summary>Loads the files the flags name; a clear message (for stderr) when one is missing, unreadable or wrong.</summary>
    public static NodeSecurity Load(NodeOptions options, string selfAddress, out string? error)
    {
        error = null;
        PeerTls? peerTls = null;
        X509Certificate2? https = null;
        UserStore? users = null;
        if (options.PeerCertFile is { } cert && options.PeerKeyFile is { } key && options.PeerTrustedCaFile is { } ca)
        {
            try
            {
                peerTls = PeerTls.Load(cert, key, ca);
            }
            catch (ArgumentException e)
            {
                error = $"peer TLS: {e.Message}";
                return new NodeSecurity(null, null, null);
            }
            // Peers check that the certificate names the address they dialed: one for another address never connects.
            if (peerTls.Identity != selfAddress)
            {
                error = $"peer TLS: {cert} is the certificate of '{peerTls.Identity}', but this node's address is '{selfAddress}' (make one with `sqlcluster cert node --name {selfAddress}`)";
                return new NodeSecurity(null, null, null);
            }
        }
        if (options.CertFile is { } httpsCert && options.KeyFile is { } httpsKey)
        {
            try
            {
                https = X509Certificate2.CreateFromPemFile(httpsCert, httpsKey);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                error = $"HTTPS: cannot read {httpsCert} and {httpsKey}: {e.Message}";
                return new NodeSecurity(null, null, null);
            }
        }
        if (options.AuthFile is { } authFile)
        {
            try
            {
                users = UserStore.Load(authFile);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                error = $"--auth {authFile}: {e.Message}";
                return new NodeSecurity(null, null, null);
            }
        }
        return new NodeSecurity(peerTls, https, users);
    }

    /// <summary>What a TCP node says about its defaults on stderr (nothing for a Unix socket: its file mode guards it).</summary>
    public IEnumerable<string> Notices(NodeOptions options)
    {
        if (options.Listen.IsUnixSocket) yield break;
        if (PeerTls is null)
            yield return options.Insecure
                ? "sqlcluster: --insecure: no peer TLS, plain peer connections are accepted from any address"
                : "sqlcluster: no peer TLS (--peer-cert-file): peer connections are accepted from loopback addresses only (--insecure accepts any)";
        if (Users is null)
            yield return "sqlcluster: no --auth file: the client API answers anyone who can reach " + options.Listen;
    }
}
