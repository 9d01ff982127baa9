using System.Numerics;
using System.Text;
using FastDb.Harness.Workload;

namespace FastDb.Harness.Checking;

/// <summary>
/// octopus harness.go parseResponse: the body must match ^(?s)SequenceNumber: (\d+)\n(.*)$, and the number must
/// fit Go's int (64 bits), otherwise the run is disqualified with the error's text.
/// </summary>
public static class ResponseParser
{
    private static readonly byte[] Prefix = "SequenceNumber: "u8.ToArray();

    public readonly record struct Parsed(long SequenceNumber, byte[] Body);

    /// <summary>Returns the parsed response, or the disqualification message.</summary>
    public static (Parsed? Result, string? Error) Parse(byte[] response)
    {
        ReadOnlySpan<byte> r = response;
        if (!r.StartsWith(Prefix)) return (null, NotParsed(response));
        int i = Prefix.Length, digitsStart = i;
        while (i < r.Length && r[i] >= '0' && r[i] <= '9') i++;
        if (i == digitsStart || i >= r.Length || r[i] != '\n') return (null, NotParsed(response));
        string digits = Encoding.ASCII.GetString(r[digitsStart..i]);
        if (!long.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long seq))
        {
            _ = BigInteger.Parse(digits, System.Globalization.CultureInfo.InvariantCulture); // only digits: it is just too big
            return (null, $"strconv.Atoi: parsing {GoText.Quote(digits)}: value out of range");
        }
        return (new Parsed(seq, r[(i + 1)..].ToArray()), null);
    }

    private static string NotParsed(byte[] response) =>
        $"Could not parse response: {GoText.Quote(Encoding.UTF8.GetString(response))}";
}
