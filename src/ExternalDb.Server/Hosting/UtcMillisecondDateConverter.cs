using System.Text.Json;
using System.Text.Json.Serialization;

namespace ExternalDb.Server.Hosting;

/// <summary>Writes dates as ISO 8601 UTC with milliseconds: <c>2026-01-02T03:04:05.678Z</c>.</summary>
internal sealed class UtcMillisecondDateConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetDateTimeOffset();

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToWireString());
}
