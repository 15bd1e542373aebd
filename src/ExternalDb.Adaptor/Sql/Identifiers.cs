using System.Text.RegularExpressions;
using ExternalDb.Adaptor.Errors;

namespace ExternalDb.Adaptor.Sql;

/// <summary>
/// Rules for SQL identifiers. New collections and fields must match <see cref="NewNamePattern"/>;
/// names of existing tables and columns are used only after they were found in the catalog, and
/// are always quoted.
/// </summary>
internal static partial class Identifiers
{
    /// <summary>The rule for names the adaptor creates.</summary>
    public const string NewNamePattern = "^[A-Za-z_][A-Za-z0-9_\\-]{0,62}$";

    /// <summary>Tables of the adaptor itself, never shown as collections.</summary>
    public const string InternalPrefix = "_externaldb_";

    [GeneratedRegex(NewNamePattern, RegexOptions.CultureInvariant)]
    private static partial Regex NewName();

    public static bool IsValidNewName(string? name) => name is not null && NewName().IsMatch(name);

    /// <summary>Throws VALIDATION_ERROR unless <paramref name="name"/> may be created.</summary>
    public static string RequireNewName(string? name, string fieldPath)
    {
        if (!IsValidNewName(name))
        {
            throw AdaptorException.Validation(fieldPath,
                $"{fieldPath} must match {NewNamePattern}", name is null ? null : System.Text.Json.Nodes.JsonValue.Create(name));
        }
        if (name!.StartsWith(InternalPrefix, StringComparison.OrdinalIgnoreCase) || name.StartsWith("sqlite_", StringComparison.OrdinalIgnoreCase) || name.StartsWith("pg_", StringComparison.OrdinalIgnoreCase))
        {
            throw AdaptorException.Validation(fieldPath, $"{fieldPath} uses a reserved prefix", System.Text.Json.Nodes.JsonValue.Create(name));
        }
        return name;
    }

    /// <summary>
    /// A name that may refer to an existing table or column: no control characters, at most 128 characters.
    /// It is compared with the catalog before use.
    /// </summary>
    public static bool IsPlausibleExistingName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= 128 && !name.Any(char.IsControl);

    /// <summary>Quotes an identifier with ANSI double quotes (SQLite, PostgreSQL).</summary>
    public static string Quote(string name) => Quote(name, '"');

    /// <summary>Quotes an identifier with <paramref name="quote"/> (<c>"</c>, or <c>`</c> for MySQL), doubling it inside the name.</summary>
    public static string Quote(string name, char quote)
    {
        if (!IsPlausibleExistingName(name))
        {
            throw new ArgumentException("Not a usable identifier.", nameof(name));
        }
        var q = quote.ToString();
        return q + name.Replace(q, q + q, StringComparison.Ordinal) + q;
    }
}
