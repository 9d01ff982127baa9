using System.Globalization;
using System.Text;

namespace FastDb.TestSupport;

/// <summary>
/// An answer as octopus reads it (harness.go parseResponse): <c>^SequenceNumber: (\d+)\n(.*)$</c>, the number in
/// decimal ASCII digits, the body after the first newline. The one parser for the tests, the harness and the
/// benchmarks.
/// </summary>
public static class SequenceAnswer
{
    public const string Prefix = "SequenceNumber: ";
    private static ReadOnlySpan<byte> PrefixBytes => "SequenceNumber: "u8;

    /// <summary>Splits the answer into its digits and its body; false if it does not have octopus's shape.</summary>
    public static bool TrySplit(ReadOnlySpan<byte> answer, out ReadOnlySpan<byte> digits, out ReadOnlySpan<byte> body)
    {
        digits = body = default;
        if (!answer.StartsWith(PrefixBytes)) return false;
        int i = PrefixBytes.Length;
        while (i < answer.Length && answer[i] >= '0' && answer[i] <= '9') i++;
        if (i == PrefixBytes.Length || i >= answer.Length || answer[i] != '\n') return false;
        digits = answer[PrefixBytes.Length..i];
        body = answer[(i + 1)..];
        return true;
    }

    /// <summary>The sequence number and the body; false if the answer does not have octopus's shape or the number does not fit.</summary>
    public static bool TryParse(string answer, out long sequence, out string body)
    {
        sequence = -1;
        body = "";
        var newline = answer.IndexOf('\n', StringComparison.Ordinal);
        if (!answer.StartsWith(Prefix, StringComparison.Ordinal) || newline <= Prefix.Length) return false;
        var digits = answer.AsSpan(Prefix.Length, newline - Prefix.Length);
        foreach (var c in digits)
            if (c is < '0' or > '9') return false;
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out sequence)) return false;
        body = answer[(newline + 1)..];
        return true;
    }

    /// <summary>As <see cref="TryParse(string, out long, out string)"/>, throwing a FormatException that quotes the answer.</summary>
    public static (long Sequence, string Body) Parse(string answer) =>
        TryParse(answer, out var sequence, out var body) ? (sequence, body)
            : throw new FormatException($"answer does not match ^SequenceNumber: (\\d+)\\n: {answer}");

    /// <summary>As <see cref="Parse(string)"/>, for an answer's bytes.</summary>
    public static (long Sequence, string Body) Parse(byte[] answer) => Parse(Encoding.UTF8.GetString(answer));
}
