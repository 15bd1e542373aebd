using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Errors;
using ExternalDb.Adaptor.Schema;

namespace ExternalDb.Adaptor.Query;

/// <summary>
/// A field of a collection, or a dotted path into a field that holds JSON objects (<c>address.city</c>,
/// <c>meta.geo.lat</c>). The segments after the field are keys inside its JSON value.
/// </summary>
/// <remarks>
/// Segments reach SQL as literals (so that an expression index on the same path serves the query), so they are
/// checked here: 1–128 characters, no control characters, no <c>"</c>, <c>'</c> or <c>\</c>, not starting with
/// <c>$</c>; at most <see cref="MaxSegments"/> of them. The dialects still escape them.
/// </remarks>
internal sealed record FieldPath(FieldInfo Field, IReadOnlyList<string> Segments)
{
    /// <summary>The most keys a path may go down inside a field.</summary>
    public const int MaxSegments = 16;

    /// <summary>The longest key of a path.</summary>
    public const int MaxSegmentLength = 128;

    /// <summary>True for a path into the field's JSON value; false for the field itself.</summary>
    public bool IsNested => Segments.Count > 0;

    /// <summary>The path as written: <c>field.key.key</c>.</summary>
    public string Name => IsNested ? Field.Key + "." + string.Join('.', Segments) : Field.Key;

    /// <summary>A whole field.</summary>
    public static FieldPath Of(FieldInfo field) => new(field, []);

    /// <summary>
    /// Resolves <paramref name="name"/>: a field of that exact name first, else the longest leading part that names a
    /// field holding JSON objects, followed by keys. Null when no field matches. A path into a field that holds no objects,
    /// or a key that breaks the rules above, is a VALIDATION_ERROR on <paramref name="errorPath"/>.
    /// </summary>
    public static FieldPath? Resolve(string name, Func<string, FieldInfo?> find, string errorPath)
    {
        if (find(name) is { } whole)
        {
            return Of(whole);
        }
        for (var dot = name.LastIndexOf('.'); dot > 0; dot = name.LastIndexOf('.', dot - 1))
        {
            if (find(name[..dot]) is not { } field)
            {
                continue;
            }
            if (!FieldTypeMap.HasNestedPaths(field))
            {
                throw AdaptorException.Validation(errorPath,
                    $"{name}: field {field.Key} of type {field.Type} holds no objects, so it has no nested fields", JsonValue.Create(name));
            }
            var segments = name[(dot + 1)..].Split('.');
            CheckSegments(segments, name, errorPath);
            return new FieldPath(field, segments);
        }
        return null;
    }

    private static void CheckSegments(string[] segments, string name, string errorPath)
    {
        if (segments.Length > MaxSegments)
        {
            throw AdaptorException.Validation(errorPath, $"{name} goes deeper than {MaxSegments} keys", JsonValue.Create(name));
        }
        foreach (var segment in segments)
        {
            if (!IsValidSegment(segment))
            {
                throw AdaptorException.Validation(errorPath,
                    $"{name}: each key of a nested path has 1 to {MaxSegmentLength} characters, no control characters, quotes or backslashes, and does not start with $",
                    JsonValue.Create(name));
            }
        }
    }

    /// <summary>The rule for one key of a path (see the remarks).</summary>
    public static bool IsValidSegment(string segment) =>
        segment.Length is > 0 and <= MaxSegmentLength && segment[0] != '$'
        && !segment.Any(c => char.IsControl(c) || c is '"' or '\'' or '\\');
}
