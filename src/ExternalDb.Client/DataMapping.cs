using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace ExternalDb.Client;

/// <summary>
/// How the typed methods (<see cref="DataItemsClient.InsertAsync{T}"/>, <see cref="DataItemsClient.Query{T}"/>, ...) map
/// an item's data to and from a .NET type, with System.Text.Json:
/// <list type="bullet">
/// <item>properties are camelCase (<c>Price</c> ↔ <c>price</c>); <c>[JsonPropertyName]</c> overrides;</item>
/// <item>a property named <c>Id</c> is the item's ID, <c>_id</c> (unless it carries <c>[JsonPropertyName]</c>);</item>
/// <item><see cref="DateTime"/> and <see cref="DateTimeOffset"/> are Wix's <c>{"$date": "2024-05-01T10:00:00.000Z"}</c>
/// (a plain ISO string is read too); <see cref="DateOnly"/> is <c>"yyyy-MM-dd"</c>;</item>
/// <item>a reference field is a <see cref="DataReference{T}"/>: the referenced item's ID, or the item itself when the
/// server included it (a plain <see cref="string"/> property takes the ID);</item>
/// <item>enums are their names; null properties are left out.</item>
/// </list>
/// </summary>
public static class DataMapping
{
    /// <summary>The serializer options of the mapping; use them to map item data yourself.</summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    /// <summary>The data of an item from a .NET value (a class, a record, an anonymous object, a dictionary).</summary>
    /// <exception cref="ArgumentException">When <paramref name="value"/> does not serialize to a JSON object.</exception>
    public static JsonObject ToData<T>(T value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return JsonSerializer.SerializeToNode(value, value.GetType(), Options) as JsonObject
            ?? throw new ArgumentException($"A value of type {value.GetType().Name} is not an object with fields; item data must be one.", nameof(value));
    }

    /// <summary>An item's data as a <typeparamref name="T"/>.</summary>
    /// <exception cref="JsonException">When the data does not fit <typeparamref name="T"/>.</exception>
    public static T FromData<T>(JsonObject data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return data.Deserialize<T>(Options) ?? throw new JsonException($"The item's data cannot be read as {typeof(T).Name}.");
    }

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { IdIsTheItemId } },
        };
        options.Converters.Add(new WixDateTimeOffsetConverter());
        options.Converters.Add(new WixDateTimeConverter());
        options.Converters.Add(new ReferenceIdConverter());
        options.Converters.Add(new JsonStringEnumConverter());
        options.MakeReadOnly();
        return options;
    }

    private static void IdIsTheItemId(JsonTypeInfo type)
    {
        if (type.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }
        foreach (var property in type.Properties)
        {
            if (property.Name == "id" && property.AttributeProvider?.IsDefined(typeof(JsonPropertyNameAttribute), inherit: true) != true)
            {
                property.Name = "_id";
            }
        }
    }

    internal static bool TryReadDate(ref Utf8JsonReader reader, out DateTimeOffset value)
    {
        value = default;
        string? text;
        if (reader.TokenType == JsonTokenType.String)
        {
            text = reader.GetString();
        }
        else if (reader.TokenType == JsonTokenType.StartObject)
        {
            text = null;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                var name = reader.GetString();
                reader.Read();
                if (name == "$date" && reader.TokenType == JsonTokenType.String)
                {
                    text = reader.GetString();
                }
                else
                {
                    reader.Skip();
                }
            }
        }
        else
        {
            return false;
        }
        return text is not null && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);
    }

    internal static void WriteDate(Utf8JsonWriter writer, DateTimeOffset value)
    {
        writer.WriteStartObject();
        writer.WriteString("$date", value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        writer.WriteEndObject();
    }

    private sealed class WixDateTimeOffsetConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            TryReadDate(ref reader, out var value) ? value : throw new JsonException("Expected a date: {\"$date\": \"ISO-8601\"} or an ISO-8601 string.");

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) => WriteDate(writer, value);
    }

    private sealed class WixDateTimeConverter : JsonConverter<DateTime>
    {
        public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            TryReadDate(ref reader, out var value) ? value.UtcDateTime : throw new JsonException("Expected a date: {\"$date\": \"ISO-8601\"} or an ISO-8601 string.");

        public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options) =>
            WriteDate(writer, value.Kind == DateTimeKind.Unspecified ? new DateTimeOffset(value, TimeSpan.Zero) : new DateTimeOffset(value.ToUniversalTime()));
    }

    /// <summary>A <see cref="string"/> property reads a referenced item included in full as its <c>_id</c>.</summary>
    private sealed class ReferenceIdConverter : JsonConverter<string>
    {
        public override bool HandleNull => false;

        public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                    return reader.GetString();
                case JsonTokenType.StartObject:
                    using (var document = JsonDocument.ParseValue(ref reader))
                    {
                        return document.RootElement.TryGetProperty("_id", out var id) && id.ValueKind == JsonValueKind.String
                            ? id.GetString()
                            : throw new JsonException("Expected a string or a referenced item with an _id.");
                    }
                default:
                    throw new JsonException($"Expected a string, found {reader.TokenType}.");
            }
        }

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }
}

/// <summary>
/// A reference field's value: the referenced item's <see cref="Id"/>, and the <see cref="Item"/> itself when the
/// server included it. Written back as the ID.
/// </summary>
/// <typeparam name="T">The referenced items' type.</typeparam>
[JsonConverter(typeof(DataReferenceConverterFactory))]
public sealed record DataReference<T>
{
    /// <summary>A reference to the item with ID <paramref name="id"/>.</summary>
    public DataReference(string id, T? item = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        Id = id;
        Item = item;
    }

    /// <summary>The referenced item's ID.</summary>
    public string Id { get; }

    /// <summary>The referenced item, when the server included it; otherwise null.</summary>
    public T? Item { get; }

    /// <summary>A reference to the item with ID <paramref name="id"/>.</summary>
    public static implicit operator DataReference<T>(string id) => new(id);

    /// <summary>A reference to the item with ID <paramref name="id"/> (the named form of the implicit conversion).</summary>
    public static DataReference<T> FromId(string id) => new(id);
}

internal sealed class DataReferenceConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) =>
        typeToConvert.IsGenericType && typeToConvert.GetGenericTypeDefinition() == typeof(DataReference<>);

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(DataReferenceConverter<>).MakeGenericType(typeToConvert.GetGenericArguments()[0]))!;

    private sealed class DataReferenceConverter<T> : JsonConverter<DataReference<T>>
    {
        public override DataReference<T>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.String)
            {
                return new DataReference<T>(reader.GetString()!);
            }
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw new JsonException($"A reference is an item ID or an item, not {reader.TokenType}.");
            }
            var item = JsonNode.Parse(ref reader) as JsonObject ?? throw new JsonException("A reference is an item ID or an item.");
            var id = item["_id"] is JsonValue value && value.TryGetValue<string>(out var text)
                ? text
                : throw new JsonException("An included referenced item has no _id.");
            return new DataReference<T>(id, item.Deserialize<T>(options));
        }

        public override void Write(Utf8JsonWriter writer, DataReference<T> value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.Id);
    }
}
