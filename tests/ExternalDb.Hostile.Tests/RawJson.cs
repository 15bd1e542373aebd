using System.Text;
using System.Text.Json;

namespace ExternalDb.Hostile.Tests;

/// <summary>
/// JSON as bytes, built so that it can be wrong: a string may hold escaped lone surrogates or bytes that are not UTF-8,
/// an object may repeat a key, a number may be any token. <see cref="System.Text.Json"/> cannot write any of these.
/// </summary>
public abstract record J
{
    public static readonly J Null = new JRaw("null"u8.ToArray());
    public static readonly J True = new JRaw("true"u8.ToArray());
    public static readonly J False = new JRaw("false"u8.ToArray());

    /// <summary>A well-formed string.</summary>
    public static J S(string text) => new JStr(JsonEncodedText.Encode(text).EncodedUtf8Bytes.ToArray());

    /// <summary>A string whose content between the quotes is <paramref name="escaped"/> as written (may be invalid).</summary>
    public static J Escaped(string escaped) => new JStr(Encoding.UTF8.GetBytes(escaped));

    /// <summary>Any token as written: a number, a literal, or garbage.</summary>
    public static J Token(string token) => new JRaw(Encoding.UTF8.GetBytes(token));

    public static J N(long n) => Token(n.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public static J O(params (string Key, J? Value)[] members) =>
        new JObj([.. members.Where(m => m.Value is not null).Select(m => (S(m.Key), m.Value!))]);

    public static J A(params J[] items) => new JArr(items);

    public byte[] ToBytes()
    {
        var buffer = new MemoryStream();
        Write(buffer);
        return buffer.ToArray();
    }

    public abstract void Write(Stream output);
}

public sealed record JRaw(byte[] Bytes) : J
{
    public override void Write(Stream output) => output.Write(Bytes);
}

public sealed record JStr(byte[] Content) : J
{
    public override void Write(Stream output)
    {
        output.WriteByte((byte)'"');
        output.Write(Content);
        output.WriteByte((byte)'"');
    }
}

public sealed record JArr(IReadOnlyList<J> Items) : J
{
    public override void Write(Stream output)
    {
        output.WriteByte((byte)'[');
        for (var i = 0; i < Items.Count; i++)
        {
            if (i > 0)
            {
                output.WriteByte((byte)',');
            }
            Items[i].Write(output);
        }
        output.WriteByte((byte)']');
    }
}

public sealed record JObj(IReadOnlyList<(J Key, J Value)> Members) : J
{
    public override void Write(Stream output)
    {
        output.WriteByte((byte)'{');
        for (var i = 0; i < Members.Count; i++)
        {
            if (i > 0)
            {
                output.WriteByte((byte)',');
            }
            Members[i].Key.Write(output);
            output.WriteByte((byte)':');
            Members[i].Value.Write(output);
        }
        output.WriteByte((byte)'}');
    }
}
