using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using FastDb.Forwarder;

namespace FastDb.Server.Startup;

/// <summary>
/// <c>sqlcluster cert ca --out DIR</c> writes a cluster CA (DIR/ca.crt, DIR/ca.key); <c>sqlcluster cert node --ca DIR
/// --name ADDRESS --out DIR</c> writes a node's pair (DIR/node.crt, DIR/node.key) signed by it, naming the node's
/// address as its identity. PEM, ECDSA P-256, made with System.Security.Cryptography (no openssl needed). Key files
/// are created with mode 0600; an existing file is never overwritten.
/// </summary>
public static class CertCommand
{
    public static Command Build()
    {
        var cert = new Command("cert", "Create the certificates for mutual TLS between peers: a cluster CA, then one pair per node.");

        var caOut = new Option<string>("--out") { Description = "Directory for ca.crt and ca.key (created if missing).", Required = true, HelpName = "DIR" };
        var ca = new Command("ca", "Create a cluster CA: DIR/ca.crt (give it to every node as --peer-trusted-ca-file) and DIR/ca.key (keep it safe).");
        ca.Options.Add(caOut);
        ca.SetAction(parse => Run(() => WriteAuthority(parse.GetValue(caOut)!)));

        var nodeCa = new Option<string>("--ca") { Description = "Directory holding ca.crt and ca.key.", Required = true, HelpName = "DIR" };
        var nodeName = new Option<string>("--name") { Description = "The node's address as its peers know it: exactly its -l HOST:PORT.", Required = true, HelpName = "ADDRESS" };
        var nodeOut = new Option<string>("--out") { Description = "Directory for node.crt and node.key (created if missing).", Required = true, HelpName = "DIR" };
        var node = new Command("node", "Create a node's certificate (DIR/node.crt, DIR/node.key) signed by the CA, for --peer-cert-file and --peer-key-file.");
        node.Options.Add(nodeCa);
        node.Options.Add(nodeName);
        node.Options.Add(nodeOut);
        node.SetAction(parse => Run(() => WriteNode(parse.GetValue(nodeCa)!, parse.GetValue(nodeName)!, parse.GetValue(nodeOut)!)));

        cert.Subcommands.Add(ca);
        cert.Subcommands.Add(node);
        return cert;
    }

    private static int Run(Func<string> write)
    {
        try
        {
            StandardError.Writer.WriteLine(write());
            return 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or System.Security.Cryptography.CryptographicException)
        {
            StandardError.Writer.WriteLine($"sqlcluster cert: {e.Message}");
            return 1;
        }
    }

    public static string WriteAuthority(string directory)
    {
        using var authority = PeerCertificates.CreateAuthority("FastDb cluster CA");
        Directory.CreateDirectory(directory);
        WritePair(authority, Path.Combine(directory, "ca.crt"), Path.Combine(directory, "ca.key"));
        return $"wrote {Path.Combine(directory, "ca.crt")} and {Path.Combine(directory, "ca.key")} (mode 0600)";
    }

    public static string WriteNode(string caDirectory, string name, string directory)
    {
        if (PeerCertificates.ValidateIdentity(name) is { } error) throw new ArgumentException(error);
        using var authority = X509Certificate2.CreateFromPemFile(Path.Combine(caDirectory, "ca.crt"), Path.Combine(caDirectory, "ca.key"));
        using var node = PeerCertificates.CreateNode(authority, name);
        Directory.CreateDirectory(directory);
        WritePair(node, Path.Combine(directory, "node.crt"), Path.Combine(directory, "node.key"));
        return $"wrote {Path.Combine(directory, "node.crt")} and {Path.Combine(directory, "node.key")} for {name} (mode 0600)";
    }

    /// <summary>Both files new (never overwrites), the key born 0600 (no moment where another user could read it).</summary>
    private static void WritePair(X509Certificate2 certificate, string certificateFile, string keyFile)
    {
        if (File.Exists(certificateFile) || File.Exists(keyFile))
            throw new IOException($"{certificateFile} or {keyFile} already exists; not overwriting it");
        var key = certificate.GetECDsaPrivateKey() ?? throw new ArgumentException("certificate without an ECDSA key");
        WriteNew(keyFile, key.ExportPkcs8PrivateKeyPem() + "\n");
        WriteNew(certificateFile, certificate.ExportCertificatePem() + "\n");
    }

    private static void WriteNew(string path, string text)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using var file = new FileStream(path, options);
        using var writer = new StreamWriter(file);
        writer.Write(text);
    }
}
