using System.Text.Json;
using System.Text.Json.Nodes;
using ExternalDb.Server.Errors;

namespace ExternalDb.Server.Connections;

/// <summary>The writable part of a connection as a caller sent it, before the rules of its type are checked.</summary>
internal sealed record ConnectionDraft(string? Name, string? Endpoint, JsonObject? Configuration);

/// <summary>
/// Reads and validates Create and Update bodies field by field, so that each offending field is named in
/// the 400 answer. Read-only fields a caller sends are ignored.
/// </summary>
internal static class ConnectionRequestReader
{
    public const int MaxNameLength = 255;
    public const int MaxEndpointLength = 2048;
    public const int MaxConfigurationBytes = 64 * 1024;
    private const string Prefix = "externalDatabaseConnection.";

    public static (ConnectionDraft? Draft, ConnectionType Type, List<FieldViolation> Violations) ReadCreate(JsonNode? root)
    {
        var violations = new List<FieldViolation>();
        var type = ConnectionType.Standalone;
        if (root is not JsonObject body)
        {
            violations.Add(new("body", "must be a JSON object", "FORMAT"));
            return (null, type, violations);
        }

        var topType = body["connectionType"];
        var topField = "connectionType";
        // Wix's SDK called with the seed's options object as its type argument sends {"connectionType": {"connectionType": ...}}.
        if (topType is JsonObject nested)
        {
            topType = nested["connectionType"];
            topField = "connectionType.connectionType";
        }
        var optionsType = body["options"] is JsonObject options ? options["connectionType"] : null;
        if (body["options"] is { } o && o is not JsonObject)
        {
            violations.Add(new("options", "must be an object", "FORMAT"));
        }
        var parsedTop = ReadType(topType, topField, violations);
        var parsedOptions = ReadType(optionsType, "options.connectionType", violations);
        if (parsedTop is not null && parsedOptions is not null && parsedTop != parsedOptions)
        {
            violations.Add(new("connectionType", "differs from options.connectionType", "OTHER"));
        }
        type = parsedTop ?? parsedOptions ?? ConnectionType.Standalone;

        var draft = ReadConnection(body, violations);
        if (draft is not null)
        {
            draft = draft with { Name = ValidateName(draft.Name, violations) };
            ValidateForType(draft, type, violations);
        }
        return (violations.Count == 0 ? draft : null, type, violations);
    }

    public static (ConnectionDraft? Draft, List<FieldViolation> Violations) ReadUpdate(JsonNode? root, string pathName, ConnectionType type)
    {
        var violations = new List<FieldViolation>();
        if (root is not JsonObject body)
        {
            violations.Add(new("body", "must be a JSON object", "FORMAT"));
            return (null, violations);
        }
        var draft = ReadConnection(body, violations);
        if (draft is not null)
        {
            if (draft.Name is not null && Storage.ConnectionStore.NameKey(draft.Name) != Storage.ConnectionStore.NameKey(pathName))
            {
                violations.Add(new(Prefix + "name", "differs from the name in the path; a connection's name cannot change", "OTHER"));
            }
            ValidateForType(draft, type, violations);
        }
        return (violations.Count == 0 ? draft : null, violations);
    }

    private static ConnectionType? ReadType(JsonNode? node, string field, List<FieldViolation> violations)
    {
        if (node is null)
        {
            return null;
        }
        if (node is JsonValue v && v.TryGetValue<string>(out var text))
        {
            switch (text)
            {
                case "STANDALONE":
                    return ConnectionType.Standalone;
                case "WIX_SERVICE_PLUGIN":
                case "WIX_SPI":
                    return ConnectionType.WixServicePlugin;
            }
        }
        violations.Add(new(field, "must be STANDALONE or WIX_SERVICE_PLUGIN", "OTHER"));
        return null;
    }

    private static ConnectionDraft? ReadConnection(JsonObject body, List<FieldViolation> violations)
    {
        if (!body.TryGetPropertyValue("externalDatabaseConnection", out var node) || node is null)
        {
            violations.Add(new("externalDatabaseConnection", "is required", "REQUIRED"));
            return null;
        }
        if (node is not JsonObject connection)
        {
            violations.Add(new("externalDatabaseConnection", "must be an object", "FORMAT"));
            return null;
        }

        var name = ReadString(connection, "name", violations);
        var endpoint = ReadString(connection, "endpoint", violations);
        JsonObject? configuration = null;
        switch (connection["configuration"])
        {
            case null:
                break;
            case JsonObject o:
                configuration = o.DeepClone().AsObject();
                if (System.Text.Encoding.UTF8.GetByteCount(configuration.ToJsonString()) > MaxConfigurationBytes)
                {
                    violations.Add(new(Prefix + "configuration", $"must be at most {MaxConfigurationBytes / 1024} KiB when serialized", "MAX_LENGTH"));
                }
                else if (ConfigurationMask.FindMarker(configuration) is { } masked)
                {
                    // A masked answer sent back as it was would overwrite the secrets with the marker.
                    violations.Add(new(Prefix + "configuration." + masked,
                        $"holds the mask '{ConfigurationMask.Marker}' that answers show instead of secret values; send the real value", "OTHER"));
                }
                break;
            default:
                violations.Add(new(Prefix + "configuration", "must be a JSON object", "FORMAT"));
                break;
        }
        return new ConnectionDraft(name, endpoint, configuration);
    }

    private static string? ReadString(JsonObject connection, string field, List<FieldViolation> violations)
    {
        var node = connection[field];
        if (node is null)
        {
            return null;
        }
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.String)
        {
            return v.GetValue<string>();
        }
        violations.Add(new(Prefix + field, "must be a string", "FORMAT"));
        return null;
    }

    /// <summary>
    /// Checks a name against the rules and answers it in NFC: 1–255 characters, no '/', no outer white space, and no
    /// control, format (zero-width, bidirectional), private-use, unassigned, surrogate or line/paragraph separator
    /// characters, so that two names that look alike are one name. Null when it breaks a rule.
    /// </summary>
    public static string? ValidateName(string? name, List<FieldViolation> violations)
    {
        const string field = Prefix + "name";
        if (name is null)
        {
            if (!violations.Any(v => v.Field == field))
            {
                violations.Add(new(field, "is required", "REQUIRED"));
            }
            return null;
        }
        if (name.Length == 0)
        {
            violations.Add(new(field, "must be 1 to 255 characters", "MIN_LENGTH"));
            return null;
        }
        if (ConnectionNames.ForbiddenCharacter(name) is { } forbidden)
        {
            violations.Add(new(field, $"must not contain {forbidden}", "FORMAT"));
            return null;
        }
        var count = violations.Count;
        name = ConnectionNames.Nfc(name);
        if (name.Length > MaxNameLength)
        {
            violations.Add(new(field, $"must be at most {MaxNameLength} characters", "MAX_LENGTH"));
        }
        if (name.Contains('/', StringComparison.Ordinal))
        {
            violations.Add(new(field, "must not contain '/' (collections are named connectionName/collectionId)", "FORMAT"));
        }
        if (char.IsWhiteSpace(name[0]) || char.IsWhiteSpace(name[^1]))
        {
            violations.Add(new(field, "must not start or end with white space", "FORMAT"));
        }
        if (name is "." or "..")
        {
            violations.Add(new(field, "must not be '.' or '..'", "FORMAT"));
        }
        return violations.Count == count ? name : null;
    }

    private static void ValidateForType(ConnectionDraft draft, ConnectionType type, List<FieldViolation> violations)
    {
        const string endpointField = Prefix + "endpoint";
        const string configurationField = Prefix + "configuration";
        if (draft.Endpoint is null)
        {
            if (type == ConnectionType.Standalone && !violations.Any(v => v.Field == endpointField))
            {
                violations.Add(new(endpointField, "is required for STANDALONE connections", "REQUIRED"));
            }
        }
        else if (EndpointProblem(draft.Endpoint) is { } problem)
        {
            violations.Add(new(endpointField, problem, "FORMAT"));
        }

        if (draft.Configuration is null && type == ConnectionType.Standalone && !violations.Any(v => v.Field == configurationField))
        {
            violations.Add(new(configurationField, "is required for STANDALONE connections", "REQUIRED"));
        }
    }

    private static string? EndpointProblem(string endpoint)
    {
        if (endpoint.Length == 0)
        {
            return "must not be empty";
        }
        if (endpoint.Length > MaxEndpointLength)
        {
            return $"must be at most {MaxEndpointLength} characters";
        }
        if (endpoint.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            return "must not contain white space or control characters";
        }
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            return "must be an absolute http or https URL";
        }
        if (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
        {
            return "must use http or https";
        }
        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            return "must not carry user information (put credentials in configuration)";
        }
        if (endpoint.Contains('#', StringComparison.Ordinal))
        {
            return "must not have a fragment";
        }
        return null;
    }
}
