using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ADRaffy.ENSNormalize;

namespace ExternalDb.Server.Connections;

/// <summary>Which characters a connection name may hold. Names are compared by <see cref="Storage.ConnectionStore.NameKey"/>.</summary>
internal static class ConnectionNames
{
    /// <summary>
    /// The NFC form of <paramref name="text"/> (valid UTF-16). Not <c>string.Normalize</c>: under InvariantGlobalization,
    /// set for the whole solution, .NET has no normalization data and answers its input unchanged; ENSNormalize's
    /// <c>NF</c> carries Unicode's data and passes Unicode's normalization tests.
    /// </summary>
    public static string Nfc(string text) => ENSNormalize.NF.NFC(text);

    /// <summary>Whether <paramref name="text"/> is valid UTF-16 (no unpaired surrogate).</summary>
    public static bool IsValidText(string text)
    {
        for (var rest = text.AsSpan(); !rest.IsEmpty;)
        {
            if (Rune.DecodeFromUtf16(rest, out _, out var used) != OperationStatus.Done)
            {
                return false;
            }
            rest = rest[used..];
        }
        return true;
    }

    /// <summary>
    /// A description of the first character a name may not hold (<c>a format character U+200B at position 4</c>), or
    /// null: control, format (zero-width, bidirectional controls, BOM), private-use, unassigned, line and paragraph
    /// separators, and unpaired surrogates. They are invisible or render differently per system, so names holding them
    /// could look like other names.
    /// </summary>
    public static string? ForbiddenCharacter(string name)
    {
        var position = 0;
        var rest = name.AsSpan();
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(rest, out var rune, out var used) != OperationStatus.Done)
            {
                return $"an unpaired surrogate U+{(int)rest[0]:X4} at position {position} (invalid UTF-16)";
            }
            var kind = Rune.GetUnicodeCategory(rune) switch
            {
                UnicodeCategory.Control => "a control character",
                UnicodeCategory.Format => "a format character (zero-width or bidirectional control)",
                UnicodeCategory.PrivateUse => "a private-use character",
                UnicodeCategory.OtherNotAssigned => "an unassigned code point",
                UnicodeCategory.Surrogate => "a surrogate code point",
                UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator => "a line or paragraph separator",
                _ => null,
            };
            if (kind is not null)
            {
                return $"{kind} U+{rune.Value:X4} at position {position}";
            }
            position += used;
            rest = rest[used..];
        }
        return null;
    }

    /// <summary>The <c>installationId</c> legacy calls carry: a GUID made from the name's key, stable for the connection's life.</summary>
    public static string InstallationId(string connectionName) =>
        new Guid(SHA256.HashData(Encoding.UTF8.GetBytes(Storage.ConnectionStore.NameKey(connectionName)))[..16]).ToString();
}
