using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace ExternalDb.Hostile.Tests;

/// <summary>Who a request claims to be.</summary>
public enum Credential
{
    /// <summary>No <c>Authorization</c> header (legacy: no secret; V3: no valid signature).</summary>
    None,
    /// <summary>A wrong or malformed key, secret or token.</summary>
    Wrong,
    /// <summary>An API key holding only <c>DATA_READ</c>.</summary>
    DataReader,
    /// <summary>An API key holding only the connections GET and LIST permissions.</summary>
    ConnectionsReader,
    /// <summary>The admin API key, the legacy secret, or a properly signed V3 token: may change scratch data only.</summary>
    Trusted,
}

/// <summary>How the request goes on the wire.</summary>
public enum Transport
{
    /// <summary>Through <see cref="HttpClient"/> (well-formed HTTP, any body).</summary>
    Http,
    /// <summary>Written on a TCP socket as given, with <see cref="HostileRequest.DeclaredLength"/> as Content-Length (half-closed when that promises more than the body).</summary>
    Raw,
}

/// <summary>One generated request and where it goes.</summary>
/// <param name="Surface">Which surface it attacks, for the report.</param>
/// <param name="Target">Which server: <c>server</c> (the ExternalDb server, demo adaptor included) or <c>adaptor</c>.</param>
/// <param name="Method">The HTTP method.</param>
/// <param name="PathAndQuery">The request target as sent, starting with '/'.</param>
/// <param name="Headers">Extra headers (Authorization...).</param>
/// <param name="Body">The body bytes, or null for none.</param>
/// <param name="ContentType">The Content-Type, or null for none.</param>
/// <param name="Credential">Who the request claims to be.</param>
/// <param name="Transport">How it is sent.</param>
/// <param name="DeclaredLength">For <see cref="Transport.Raw"/>: the Content-Length written (may exceed the body: a truncated body).</param>
/// <param name="AnswersMayHoldSecrets">True where the answer rightly holds configuration values (connections answered to the admin key).</param>
public sealed record HostileRequest(
    string Surface,
    string Target,
    string Method,
    string PathAndQuery,
    IReadOnlyList<(string Name, string Value)> Headers,
    byte[]? Body,
    string? ContentType,
    Credential Credential,
    Transport Transport = Transport.Http,
    long? DeclaredLength = null,
    bool AnswersMayHoldSecrets = false)
{
    public override string ToString() => $"{Method} {PathAndQuery} ({Credential}, {Transport}, {Body?.Length ?? 0} bytes)";
}

/// <summary>What came back: the status (0 when the server closed without an answer), the body, how long it took.</summary>
public sealed record HostileAnswer(int Status, string Body, TimeSpan Elapsed, bool TimedOut);

/// <summary>Sends <see cref="HostileRequest"/>s over real sockets with a bound on each.</summary>
public sealed class HostileSender(Uri server, Uri adaptor, TimeSpan timeout) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        UseProxy = false,
        MaxConnectionsPerServer = 32,
        PooledConnectionLifetime = TimeSpan.FromMinutes(1),
    })
    { Timeout = Timeout.InfiniteTimeSpan };

    public async Task<HostileAnswer> SendAsync(HostileRequest request)
    {
        var baseUri = request.Target == "adaptor" ? adaptor : server;
        var clock = Stopwatch.StartNew();
        using var bound = new CancellationTokenSource(timeout);
        try
        {
            var (status, body) = request.Transport == Transport.Raw || !TryUri(baseUri, request.PathAndQuery, out var uri)
                ? await SendRawAsync(baseUri, request, bound.Token)
                : await SendHttpAsync(uri!, request, bound.Token);
            return new HostileAnswer(status, body, clock.Elapsed, TimedOut: false);
        }
        catch (OperationCanceledException) when (bound.IsCancellationRequested)
        {
            return new HostileAnswer(0, "", clock.Elapsed, TimedOut: true);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or SocketException)
        {
            // The server hung up without an answer: not a 5xx and not a hang.
            return new HostileAnswer(0, $"(no answer: {e.GetType().Name})", clock.Elapsed, TimedOut: false);
        }
    }

    private static bool TryUri(Uri baseUri, string pathAndQuery, out Uri? uri)
    {
        // Uri would silently normalize odd targets (dot segments, raw non-ASCII): those go raw, byte for byte.
        if (pathAndQuery.Any(c => c > 0x7e || c < 0x21) || pathAndQuery.Contains("/.", StringComparison.Ordinal) || pathAndQuery.Contains('\\'))
        {
            uri = null;
            return false;
        }
        return Uri.TryCreate(baseUri, pathAndQuery, out uri) && uri.PathAndQuery == pathAndQuery;
    }

    private async Task<(int, string)> SendHttpAsync(Uri uri, HostileRequest request, CancellationToken ct)
    {
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), uri);
        foreach (var (name, value) in request.Headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }
        if (request.Body is not null)
        {
            message.Content = new ByteArrayContent(request.Body);
            if (request.ContentType is not null)
            {
                message.Content.Headers.TryAddWithoutValidation("Content-Type", request.ContentType);
            }
        }
        using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseContentRead, ct);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(ct));
    }

    private static async Task<(int, string)> SendRawAsync(Uri baseUri, HostileRequest request, CancellationToken ct)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(baseUri.Host, baseUri.Port, ct);
        var stream = client.GetStream();
        var head = new StringBuilder()
            .Append(request.Method).Append(' ').Append(request.PathAndQuery).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(baseUri.Authority).Append("\r\nConnection: close\r\n");
        foreach (var (name, value) in request.Headers)
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }
        if (request.ContentType is not null)
        {
            head.Append("Content-Type: ").Append(request.ContentType).Append("\r\n");
        }
        if (request.Body is not null || request.DeclaredLength is not null)
        {
            head.Append("Content-Length: ").Append(request.DeclaredLength ?? request.Body!.Length).Append("\r\n");
        }
        head.Append("\r\n");
        // The target may hold any character (raw non-ASCII goes as UTF-8); odd bytes come percent-encoded.
        await stream.WriteAsync(Encoding.UTF8.GetBytes(head.ToString()), ct);
        if (request.Body is not null)
        {
            await stream.WriteAsync(request.Body, ct);
        }
        await stream.FlushAsync(ct);
        if (request.DeclaredLength > (request.Body?.Length ?? 0))
        {
            // A body that breaks off: the end of the stream tells the server no more is coming.
            client.Client.Shutdown(SocketShutdown.Send);
        }
        using var answer = new MemoryStream();
        await stream.CopyToAsync(answer, ct);
        var text = Encoding.UTF8.GetString(answer.ToArray());
        var firstLine = text.Split("\r\n", 2)[0];
        var parts = firstLine.Split(' ');
        var status = parts.Length > 1 && int.TryParse(parts[1], out var s) ? s : 0;
        var bodyStart = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (bodyStart < 0)
        {
            return (status, "");
        }
        var chunked = text[..bodyStart].Contains("transfer-encoding: chunked", StringComparison.OrdinalIgnoreCase);
        return (status, chunked ? Dechunk(text[(bodyStart + 4)..]) : text[(bodyStart + 4)..]);
    }

    /// <summary>The body of a chunked answer (sizes counted in characters: good enough to read an error).</summary>
    private static string Dechunk(string chunked)
    {
        var body = new StringBuilder();
        var at = 0;
        while (at < chunked.Length)
        {
            var end = chunked.IndexOf("\r\n", at, StringComparison.Ordinal);
            if (end < 0 || !int.TryParse(chunked.AsSpan(at, end - at), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var size) || size == 0)
            {
                break;
            }
            body.Append(chunked.AsSpan(end + 2, Math.Min(size, chunked.Length - end - 2)));
            at = end + 2 + size + 2;
        }
        return body.ToString();
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>One broken promise, with what reproduces it.</summary>
public sealed record HostileFailure(string Kind, HostileRequest Request, HostileAnswer? Answer, string Detail);

/// <summary>Writes failures for people: the request that reproduces each, secrets replaced by their names.</summary>
public static class HostileReport
{
    public static string Describe(HostileFailure failure, IReadOnlyDictionary<string, string> secrets)
    {
        var r = failure.Request;
        var text = new StringBuilder()
            .Append("  [").Append(failure.Kind).Append("] ").Append(r.Surface).Append(": ")
            .Append(r.Method).Append(' ').Append(r.Target == "adaptor" ? "{adaptor}" : "{server}").Append(Excerpt(r.PathAndQuery, 300))
            .Append("  credential=").Append(r.Credential).Append(" transport=").Append(r.Transport);
        if (r.DeclaredLength is { } declared)
        {
            text.Append(" declared Content-Length=").Append(declared);
        }
        foreach (var (name, value) in r.Headers)
        {
            text.Append("\n      ").Append(name).Append(": ").Append(Excerpt(value, 200));
        }
        if (r.ContentType is not null)
        {
            text.Append("\n      Content-Type: ").Append(r.ContentType);
        }
        if (r.Body is not null)
        {
            text.Append("\n      body (").Append(r.Body.Length).Append(" bytes): ").Append(Excerpt(BodyText(r.Body), 600));
            if (JwtPayload(r.Body) is { } payload)
            {
                text.Append("\n      its JWT payload: ").Append(Excerpt(BodyText(payload), 1200));
            }
        }
        if (failure.Answer is { } a)
        {
            text.Append("\n      answer: HTTP ").Append(a.Status).Append(" after ").Append((int)a.Elapsed.TotalMilliseconds).Append(" ms: ").Append(Excerpt(a.Body, 400));
        }
        text.Append("\n      ").Append(failure.Detail);
        return Redact(text.ToString(), secrets);
    }

    /// <summary>Replaces each secret value with <c>[secret:name]</c>.</summary>
    public static string Redact(string text, IReadOnlyDictionary<string, string> secrets)
    {
        foreach (var (name, value) in secrets)
        {
            text = text.Replace(value, $"[secret:{name}]", StringComparison.Ordinal);
        }
        return text;
    }

    /// <summary>The decoded payload when <paramref name="body"/> is a compact JWT (the hostile request a V3 call carries).</summary>
    private static byte[]? JwtPayload(byte[] body)
    {
        var parts = Encoding.ASCII.GetString(body).Split('.');
        if (parts.Length != 3 || parts[1].Length == 0 || parts[1].Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
        {
            return null;
        }
        var text = parts[1].Replace('-', '+').Replace('_', '/');
        try
        {
            return Convert.FromBase64String(text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '='));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>Bytes that are not UTF-8 shown as \xNN, control characters escaped.</summary>
    private static string BodyText(byte[] body)
    {
        var decoder = Encoding.GetEncoding("utf-8", EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);
        try
        {
            return decoder.GetString(body);
        }
        catch (DecoderFallbackException)
        {
            var text = new StringBuilder();
            foreach (var b in body.AsSpan(0, Math.Min(body.Length, 2000)))
            {
                text.Append(b is >= 0x20 and < 0x7f ? ((char)b).ToString() : $"\\x{b:X2}");
            }
            return text.ToString();
        }
    }

    private static string Excerpt(string text, int max)
    {
        var cut = text.Length > max ? text[..max] + $"… ({text.Length} characters)" : text;
        var shown = new StringBuilder();
        foreach (var c in cut)
        {
            shown.Append(c < 0x20 || char.IsSurrogate(c) ? $"\\u{(int)c:x4}" : c.ToString());
        }
        return shown.ToString();
    }
}
