using System.Collections.Frozen;
using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Errors;
using ExternalDb.Adaptor.Hosting;
using ExternalDb.Protocol;

namespace ExternalDb.Adaptor.Auth;

/// <summary>The roles of the legacy protocol's <c>requestContext.role</c>.</summary>
internal enum LegacyRole
{
    /// <summary>The site owner.</summary>
    Owner,
    /// <summary>The site's backend code.</summary>
    BackendCode,
    /// <summary>A signed-in site member.</summary>
    Member,
    /// <summary>A visitor.</summary>
    Visitor,
}

/// <summary>What a legacy call does to its collection.</summary>
internal enum Access
{
    /// <summary>Reads items, references or indexes.</summary>
    Read,
    /// <summary>Writes items or references, or changes the schema or indexes.</summary>
    Write,
}

/// <summary>
/// Per-collection role permissions (<c>Adaptor:Permissions</c>), enforced on the legacy protocol from
/// <c>requestContext.role</c> and reported on V3 as the collection's <c>permissions</c> in Wix's levels. Without
/// configuration every role may read and write, and V3 collections carry no <c>permissions</c>.
/// </summary>
internal sealed class RolePermissions
{
    /// <summary>The role names of requests and settings; velo's <c>Admin</c>, <c>Member</c>, <c>Visitor</c> are accepted in settings.</summary>
    private static readonly FrozenDictionary<string, LegacyRole[]> Names = new Dictionary<string, LegacyRole[]>(StringComparer.OrdinalIgnoreCase)
    {
        ["OWNER"] = [LegacyRole.Owner],
        ["BACKEND_CODE"] = [LegacyRole.BackendCode],
        ["MEMBER"] = [LegacyRole.Member],
        ["VISITOR"] = [LegacyRole.Visitor],
        ["Admin"] = [LegacyRole.Owner, LegacyRole.BackendCode],
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenSet<LegacyRole> Everyone = Enum.GetValues<LegacyRole>().ToFrozenSet();

    private sealed record Rule(FrozenSet<LegacyRole> Read, FrozenSet<LegacyRole> Write);

    private static readonly Rule AllowAll = new(Everyone, Everyone);

    private readonly Dictionary<string, Rule> _rules;

    public RolePermissions(AdaptorOptions options) =>
        _rules = (options.Permissions ?? new Dictionary<string, CollectionPermissionOptions>()).ToDictionary(
            p => p.Key, p => new Rule(Roles(p.Value?.Read), Roles(p.Value?.Write)), StringComparer.Ordinal);

    /// <summary>True when permissions are configured at all.</summary>
    public bool IsConfigured => _rules.Count > 0;

    /// <summary>The setting problems of <paramref name="options"/>, each naming the setting (for start-up validation).</summary>
    public static IEnumerable<string> Problems(AdaptorOptions options)
    {
        foreach (var (collection, rule) in options.Permissions ?? new Dictionary<string, CollectionPermissionOptions>())
        {
            foreach (var (name, list) in new[] { ("Read", rule?.Read), ("Write", rule?.Write) })
            {
                for (var i = 0; i < (list?.Count ?? 0); i++)
                {
                    if (!Names.ContainsKey(list![i]?.Trim() ?? ""))
                    {
                        yield return $"Adaptor:Permissions:{collection}:{name}:{i} must be one of OWNER, BACKEND_CODE, MEMBER, VISITOR";
                    }
                }
            }
        }
    }

    private static FrozenSet<LegacyRole> Roles(IList<string>? names) => names is null ? Everyone
        : names.SelectMany(n => Names.GetValueOrDefault(n?.Trim() ?? "") ?? []).ToFrozenSet();

    /// <summary>The rule of a collection: its own entry (exact name first, then ignoring case), else <c>*</c>, else every role.</summary>
    private Rule For(string collectionId) =>
        _rules.GetValueOrDefault(collectionId)
        ?? _rules.FirstOrDefault(r => string.Equals(r.Key, collectionId, StringComparison.OrdinalIgnoreCase)).Value
        ?? _rules.GetValueOrDefault("*")
        ?? AllowAll;

    /// <summary>
    /// Refuses a legacy call the role may not make: 401 when the rule restricts and <c>requestContext.role</c> is missing
    /// or unknown, 403 when the role is not among the allowed ones.
    /// </summary>
    public void Check(JsonObject request, string collectionId, Access access)
    {
        var rule = For(collectionId);
        var allowed = access == Access.Read ? rule.Read : rule.Write;
        if (allowed.Count == Everyone.Count)
        {
            return;
        }
        var given = (request["requestContext"] as JsonObject)?["role"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        if (given is null || !Names.TryGetValue(given, out var roles) || roles.Length != 1)
        {
            throw AdaptorException.Unauthorized("requestContext.role must be OWNER, BACKEND_CODE, MEMBER or VISITOR");
        }
        if (!allowed.Contains(roles[0]))
        {
            var verb = access == Access.Read ? "read" : "write";
            throw new AdaptorException(AdaptorErrorCodes.PermissionDenied, 403, $"Role {given.ToUpperInvariant()} may not {verb} collection {collectionId}",
                new JsonObject { ["collectionId"] = collectionId, ["role"] = given.ToUpperInvariant(), ["operation"] = verb });
        }
    }

    /// <summary>
    /// The V3 <c>permissions</c> of a collection when permissions are configured: <c>read</c> from the read roles,
    /// <c>insert</c>, <c>update</c>, <c>remove</c> from the write roles, each the widest Wix level whose roles are all
    /// allowed: <c>ANYONE</c> (VISITOR and MEMBER allowed), <c>SITE_MEMBER</c> (MEMBER allowed), else <c>ADMIN</c>.
    /// </summary>
    public JsonObject? V3Permissions(string collectionId)
    {
        if (!IsConfigured)
        {
            return null;
        }
        var rule = For(collectionId);
        var write = Level(rule.Write);
        return new JsonObject { ["insert"] = write, ["update"] = write, ["remove"] = write, ["read"] = Level(rule.Read) };
    }

    private static string Level(FrozenSet<LegacyRole> roles) =>
        roles.Contains(LegacyRole.Visitor) && roles.Contains(LegacyRole.Member) ? "ANYONE"
        : roles.Contains(LegacyRole.Member) ? "SITE_MEMBER"
        : "ADMIN";
}
