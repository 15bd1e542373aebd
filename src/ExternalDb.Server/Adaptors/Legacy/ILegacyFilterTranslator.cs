using System.Text.Json.Nodes;

namespace ExternalDb.Server.Adaptors.Legacy;

/// <summary>Turns a V3 (Mongo-style) filter into the filter one legacy protocol generation understands.</summary>
internal interface ILegacyFilterTranslator
{
    /// <summary>The legacy filter; <c>{}</c> when the V3 filter matches everything.</summary>
    JsonObject Translate(JsonNode? filter);

    /// <summary>A filter matching the items whose <c>_id</c> is one of <paramref name="ids"/>.</summary>
    JsonObject IdIn(IEnumerable<string> ids) =>
        Translate(new JsonObject { ["_id"] = new JsonObject { ["$hasSome"] = LegacyJson.Strings(ids) } });
}
