using System.Text.Json;
using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Data;

namespace ExternalDb.Adaptor.Sql;

/// <summary>What a filter operand on a nested path is, which decides how the value there is compared.</summary>
internal enum JsonOperandKind
{
    /// <summary>A JSON string: compared with strings, in binary order.</summary>
    String,
    /// <summary>A JSON number: compared with numbers, numerically.</summary>
    Number,
    /// <summary><c>true</c> or <c>false</c>: equality only.</summary>
    Boolean,
    /// <summary><c>{"$date": "ISO-8601"}</c>: compared with stored dates by instant.</summary>
    Date,
    /// <summary>An object or array: JSON equality only.</summary>
    Json,
}

/// <summary>A filter operand on a nested path, classified; dates normalized to the form the adaptor stores.</summary>
internal sealed record JsonOperand(JsonOperandKind Kind, JsonNode Node, string? DateText)
{
    /// <summary>Classifies a non-null operand.</summary>
    public static JsonOperand Of(JsonNode operand)
    {
        if (operand is JsonObject o && ValueCodec.TryDate(o, out var date))
        {
            var text = date.ToString(ValueCodec.DateFormat, System.Globalization.CultureInfo.InvariantCulture);
            return new JsonOperand(JsonOperandKind.Date, ValueCodec.DateNode(date), text);
        }
        return operand.GetValueKind() switch
        {
            JsonValueKind.String => new JsonOperand(JsonOperandKind.String, operand, null),
            JsonValueKind.Number => new JsonOperand(JsonOperandKind.Number, operand, null),
            JsonValueKind.True or JsonValueKind.False => new JsonOperand(JsonOperandKind.Boolean, operand, null),
            _ => new JsonOperand(JsonOperandKind.Json, ValueCodec.NormalizeDates(operand), null),
        };
    }

    /// <summary>The operand as a JSON document (for JSON parameters).</summary>
    public string JsonText => Node.ToJsonString();

    /// <summary>The operand as a double (numbers only).</summary>
    public double Number => Node.GetValue<double>();

    /// <summary>The operand's text (strings only).</summary>
    public string Text => Node.GetValue<string>();
}
