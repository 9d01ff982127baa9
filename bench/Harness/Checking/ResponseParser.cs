using System.Numerics;
using System.Text;
using FastDb.Harness.Workload;
using FastDb.TestSupport;

namespace FastDb.Harness.Checking;

/// <summary>
/// octopus harness.go parseResponse: the body must match ^(?s)SequenceNumber: (\d+)\n(.*)$, and the number must
/// fit Go's int (64 bits), otherwise the run is disqualified with the error's text.
/// </summary>
public static class ResponseParser
{
    public readonly record struct Parsed(long SequenceNumber, byte[] Body);

    /// <summary>Returns the parsed response, or the disqualification message.</summary>
    public static (Parsed? Result, string? Error) Parse(byte[] response)
    {
        if (!SequenceAnswer.TrySplit(response, out var digitBytes, out var body)) return (null, NotParsed(response));
        string digits = Encoding.ASCII.GetString(digitBytes);
        if (!long.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long seq))
        {
            _ = BigInteger.Parse(digits, System.Globalization.CultureInfo.InvariantCulture); // only digits: it is just too big
            return (null, $"strconv.Atoi: parsing {GoText.Quote(digits)}: value out of range");
        }
        return (new Parsed(seq, body.ToArray()), null);
    }

    private static string NotParsed(byte[] response) =>
        $"Could not parse response: {GoText.Quote(Encoding.UTF8.GetString(response))}";
}
