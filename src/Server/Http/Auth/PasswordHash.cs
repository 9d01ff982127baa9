using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace FastDb.Server.Http.Auth;

/// <summary>
/// The password hashes an --auth file holds: <c>$pbkdf2-sha256$ITERATIONS$SALT$HASH</c>, PBKDF2 with HMAC-SHA256,
/// SALT and HASH in standard Base64 (a 16-byte salt and a 32-byte hash from <c>sqlcluster hash-password</c>).
/// Plaintext passwords are refused: the file should not be a list of passwords.
/// </summary>
public static class PasswordHash
{
    public const string Prefix = "$pbkdf2-sha256$";
    public const int DefaultIterations = 100_000;
    public const int MinIterations = 10_000;
    public const int MaxIterations = 10_000_000;

    public static string Create(string password, int iterations = DefaultIterations)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, 32);
        return $"{Prefix}{iterations.ToString(CultureInfo.InvariantCulture)}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    /// <summary>A parsed hash, or null with the reason it is not one.</summary>
    public static Parsed? TryParse(string text, out string? error)
    {
        error = null;
        var parts = text.StartsWith(Prefix, StringComparison.Ordinal) ? text[Prefix.Length..].Split('$') : [];
        if (parts.Length != 3)
        {
            error = $"the password must be a hash of the form {Prefix}ITERATIONS$SALT$HASH (see `sqlcluster hash-password`), not a plaintext password";
            return null;
        }
        if (!int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations is < MinIterations or > MaxIterations)
        {
            error = $"the hash's iterations must be {MinIterations}..{MaxIterations}";
            return null;
        }
        try
        {
            var salt = Convert.FromBase64String(parts[1]);
            var hash = Convert.FromBase64String(parts[2]);
            if (salt.Length < 8 || hash.Length < 16)
            {
                error = "the hash's salt must be at least 8 bytes and its hash at least 16";
                return null;
            }
            return new Parsed(iterations, salt, hash);
        }
        catch (FormatException)
        {
            error = "the hash's salt or hash is not Base64";
            return null;
        }
    }

    public sealed record Parsed(int Iterations, byte[] Salt, byte[] Hash)
    {
        public bool Matches(string password)
        {
            var candidate = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), Salt, Iterations, HashAlgorithmName.SHA256, Hash.Length);
            return CryptographicOperations.FixedTimeEquals(candidate, Hash);
        }
    }
}
