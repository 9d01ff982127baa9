using System.Security.Cryptography.X509Certificates;

namespace FastDb.Shell.Cluster;

/// <summary>
/// How the shell proves who it is and checks the node: -u user:pass (HTTP Basic) and --ca-cert FILE (HTTPS, the
/// node's certificate must chain to this CA, the only trust anchor, and name the host dialed).
/// </summary>
public sealed record ClientSecurity(string? Credentials, X509Certificate2? Authority)
{
    public static bool IsTrusted(X509Certificate2 presented, X509Certificate2 authority, string host)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        return chain.Build(presented) && presented.MatchesHostname(host);
    }
}
