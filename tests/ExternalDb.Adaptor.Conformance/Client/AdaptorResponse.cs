using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ExternalDb.Adaptor.Conformance.Client;

/// <summary>What an adaptor answered: status, raw text and (when it was JSON) the parsed body.</summary>
public sealed record AdaptorResponse(string Path, HttpStatusCode Status, string Text, JsonNode? Body)
{
    public int StatusCode => (int)Status;

    public bool IsSuccess => StatusCode is >= 200 and < 300;

    /// <summary>V3 <c>errorCode</c> of an error body, or null.</summary>
    public string? ErrorCode => Body is JsonObject o && o["errorCode"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    /// <summary>Legacy <c>message</c> of an error body, or null.</summary>
    public string? Message => Body is JsonObject o && o["message"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    /// <summary>The body as an object; fails the test when it is not one.</summary>
    public JsonObject Object => Body as JsonObject
        ?? throw new Xunit.Sdk.XunitException($"{Path} answered {StatusCode} with a body that is not a JSON object: {Shorten(Text)}");

    /// <summary>Fails the test unless the status is 2xx, showing the body.</summary>
    public AdaptorResponse EnsureSuccess()
    {
        if (!IsSuccess)
        {
            throw new Xunit.Sdk.XunitException($"{Path} answered {StatusCode}, expected 2xx. Body: {Shorten(Text)}");
        }
        return this;
    }

    /// <summary>Fails the test unless the status is <paramref name="expected"/>, showing the body.</summary>
    public AdaptorResponse ExpectStatus(int expected)
    {
        if (StatusCode != expected)
        {
            throw new Xunit.Sdk.XunitException($"{Path} answered {StatusCode}, expected {expected}. Body: {Shorten(Text)}");
        }
        return this;
    }

    /// <summary>Fails unless this is the V3 error <paramref name="errorCode"/> with HTTP <paramref name="status"/>.</summary>
    public AdaptorResponse ExpectV3Error(int status, string errorCode)
    {
        if (StatusCode != status || ErrorCode != errorCode)
        {
            throw new Xunit.Sdk.XunitException(
                $"{Path} answered {StatusCode} errorCode={ErrorCode ?? "(none)"}, expected {status} {errorCode}. Body: {Shorten(Text)}");
        }
        return this;
    }

    /// <summary>Fails unless this is a legacy error: HTTP <paramref name="status"/> and a <c>{message}</c> body.</summary>
    public AdaptorResponse ExpectLegacyError(int status)
    {
        if (StatusCode != status || string.IsNullOrEmpty(Message))
        {
            throw new Xunit.Sdk.XunitException(
                $"{Path} answered {StatusCode} message={Message ?? "(none)"}, expected {status} with a {{\"message\"}} body. Body: {Shorten(Text)}");
        }
        return this;
    }

    public override string ToString() => $"{Path} → {StatusCode} {Shorten(Text)}";

    internal static AdaptorResponse From(string path, HttpStatusCode status, string text)
    {
        JsonNode? body = null;
        if (text.Length > 0)
        {
            try
            {
                body = JsonNode.Parse(text);
            }
            catch (JsonException)
            {
                // Not JSON: callers that need a body fail with the text shown.
            }
        }
        return new AdaptorResponse(path, status, text, body);
    }

    private static string Shorten(string text) => text.Length <= 1500 ? text : text[..1500] + "…";
}
