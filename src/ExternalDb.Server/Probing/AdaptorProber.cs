using ExternalDb.Server.Hosting;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using ExternalDb.Server.Connections;
using Microsoft.Extensions.Options;

namespace ExternalDb.Server.Probing;

/// <summary>
/// Checks a connection's adaptor: which protocol it speaks, whether our credentials work, whether it has
/// collections and what it can do. Adaptor trouble never throws: it becomes a failed <see cref="ProbeResult"/>.
/// One overall bound (<see cref="ProbeOptions.Timeout"/>) covers the whole check.
/// </summary>
public sealed class AdaptorProber(
    HttpClient http,
    IOptions<ProbeOptions> probeOptions,
    IOptions<AdaptorClientOptions> adaptorOptions,
    TimeProvider time,
    ILogger<AdaptorProber> logger)
{
    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };
    private static readonly MediaTypeHeaderValue Text = new("text/plain") { CharSet = "utf-8" };

    public async Task<ProbeResult> ProbeAsync(ProbeTarget target, CancellationToken ct)
    {
        var started = time.GetTimestamp();
        var checkedDate = time.UtcNowToMillisecond();
        if (string.IsNullOrEmpty(target.Endpoint))
        {
            return ProbeResult.Failed(CauseOfFailure.DestinationEndpointNotDefined,
                "The connection has no endpoint yet: set one with Update to check the adaptor.", checkedDate, 0);
        }

        using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bound.CancelAfter(probeOptions.Value.Timeout);
        ProbeResult result;
        try
        {
            result = target.ConnectionType == ConnectionType.WixServicePlugin
                ? await ProbeV3Async(target, bound.Token)
                : await ProbeLegacyAsync(target, bound.Token);
        }
        catch (ProbeFailure failure)
        {
            result = ProbeResult.Failed(failure.Cause, failure.Message, checkedDate, 0);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException or System.Security.Cryptography.CryptographicException)
        {
            // JSON of an unexpected shape (a value where an object was due, a duplicate name, ...): the adaptor's fault.
            result = ProbeResult.Failed(CauseOfFailure.CommunicationFailure,
                "The adaptor answered JSON of an unexpected shape.", checkedDate, 0);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            result = ProbeResult.Failed(CauseOfFailure.DestinationHostUnreachable,
                $"The adaptor did not answer within {probeOptions.Value.Timeout.TotalSeconds:0.###} s.", checkedDate, 0);
        }

        var latency = (long)time.GetElapsedTime(started).TotalMilliseconds;
        result = result with { Status = result.Status with { CheckedDate = checkedDate, LatencyMs = latency } };
        logger.LogInformation("Checked the adaptor of connection {Connection}: {Cause} in {LatencyMs} ms",
            target.Name, result.Status.CauseOfFailure, latency);
        return result;
    }

    private async Task<ProbeResult> ProbeLegacyAsync(ProbeTarget target, CancellationToken ct)
    {
        var requestContext = Gateway.LegacyRequestContext.Build(target.Name, target.Configuration, adaptorOptions.Value.InstanceId);
        var provision = await PostJsonAsync(target.Endpoint!, "/provision", new JsonObject { ["requestContext"] = requestContext.DeepClone() }, allowEmpty: true, ct);
        var version = ReadProtocolVersion(provision);

        var schemas = await PostJsonAsync(target.Endpoint!, "/schemas/list", new JsonObject { ["requestContext"] = requestContext }, allowEmpty: false, ct);
        var list = (schemas as JsonObject)?["schemas"] as JsonArray
            ?? throw new ProbeFailure(CauseOfFailure.CommunicationFailure, "POST /schemas/list did not answer with a 'schemas' array.");

        var capabilities = ConnectionCapabilities.None;
        if (version == ProtocolVersion.V2)
        {
            var (modifiable, fieldTypes) = Gateway.Legacy.LegacySchemas.Capabilities(list.OfType<JsonObject>().Append(provision as JsonObject ?? []));
            capabilities = new ConnectionCapabilities { CollectionModificationsSupported = modifiable, FieldTypes = fieldTypes };
        }

        return Succeeded(list.Count, capabilities, version);
    }

    private async Task<ProbeResult> ProbeV3Async(ProbeTarget target, CancellationToken ct)
    {
        if (target.PrivateKey is null || target.ApplicationId is null)
        {
            throw new InvalidOperationException("A WIX_SERVICE_PLUGIN connection has no signing key.");
        }
        using var key = ECDsa.Create();
        key.ImportPkcs8PrivateKey(target.PrivateKey.Pkcs8, out _);

        var capabilities = await PostSignedAsync(target, key, "/v3/capabilities/get", new JsonObject(), ct);
        if (capabilities is not JsonObject)
        {
            throw new ProbeFailure(CauseOfFailure.CommunicationFailure, "POST /v3/capabilities/get did not answer with a JSON object.");
        }
        var modifications = capabilities["supportsCollectionModifications"] switch
        {
            null => false,
            JsonValue v when v.TryGetValue<bool>(out var b) => b,
            _ => throw new ProbeFailure(CauseOfFailure.CommunicationFailure, "supportsCollectionModifications of /v3/capabilities/get is not a boolean."),
        };
        var fieldTypes = capabilities["supportedFieldTypes"] switch
        {
            null => [],
            JsonArray a => a.Select(t => t is JsonValue v && v.TryGetValue<string>(out var s) ? s : null)
                .Where(s => s is not null && FieldTypes.All.Contains(s)).Select(s => s!).Distinct(StringComparer.Ordinal).Take(255).ToList(),
            _ => throw new ProbeFailure(CauseOfFailure.CommunicationFailure, "supportedFieldTypes of /v3/capabilities/get is not an array."),
        };

        var collections = await PostSignedAsync(target, key, "/v3/collections/get", new JsonObject { ["collectionIds"] = new JsonArray() }, ct);
        var list = (collections as JsonObject)?["collections"] as JsonArray
            ?? throw new ProbeFailure(CauseOfFailure.CommunicationFailure, "POST /v3/collections/get did not answer with a 'collections' array.");

        return Succeeded(list.Count, new ConnectionCapabilities { CollectionModificationsSupported = modifications, FieldTypes = fieldTypes }, ProtocolVersion.V3);
    }

    private static ProbeResult Succeeded(int collections, ConnectionCapabilities capabilities, ProtocolVersion version) => new(
        new ConnectionStatus
        {
            Successful = true,
            CauseOfFailure = CauseOfFailure.None,
            HasCollections = collections > 0 ? CollectionsFound.Yes : CollectionsFound.No,
            Message = $"Connected: protocol {version}, {collections} collection{(collections == 1 ? "" : "s")}.",
        },
        capabilities,
        version);

    private static ProtocolVersion ReadProtocolVersion(JsonNode? provision)
    {
        var node = provision is JsonObject o ? o["protocolVersion"] : null;
        if (node is null)
        {
            return ProtocolVersion.V1;
        }
        var number = node is JsonValue v && v.TryGetValue<int>(out var n) ? n
            : node is JsonValue s && s.TryGetValue<string>(out var text) && int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var parsed) ? parsed
            : -1;
        return number switch
        {
            1 => ProtocolVersion.V1,
            2 => ProtocolVersion.V2,
            3 => throw new ProbeFailure(CauseOfFailure.CommunicationFailure,
                "The adaptor answered /provision with protocolVersion 3: connect it as WIX_SERVICE_PLUGIN."),
            _ => throw new ProbeFailure(CauseOfFailure.CommunicationFailure, "POST /provision answered an unknown protocolVersion."),
        };
    }

    private Task<JsonNode?> PostJsonAsync(string endpoint, string path, JsonObject body, bool allowEmpty, CancellationToken ct) =>
        SendAsync(endpoint, path, new StringContent(body.ToJsonString(), Encoding.UTF8, Json.MediaType), allowEmpty, ct);

    private Task<JsonNode?> PostSignedAsync(ProbeTarget target, ECDsa key, string path, JsonObject request, CancellationToken ct)
    {
        var token = V3RequestSigner.Sign(key, adaptorOptions.Value.JwtIssuer, target.ApplicationId!, request,
            V3RequestSigner.AppMetadata(target.ApplicationId!, InstanceId), time.GetUtcNow());
        var content = new StringContent(token, Encoding.UTF8);
        content.Headers.ContentType = Text;
        return SendAsync(target.Endpoint!, path, content, allowEmpty: false, ct);
    }

    private async Task<JsonNode?> SendAsync(string endpoint, string path, HttpContent content, bool allowEmpty, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Gateway.AdaptorHttpClient.Combine(endpoint, path)) { Content = content };
        request.Headers.Accept.ParseAdd("application/json");
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        }
        catch (HttpRequestException e)
        {
            throw Classify(e, path);
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            if (status is 401 or 403)
            {
                throw new ProbeFailure(CauseOfFailure.Unauthorized, $"POST {path} was refused with HTTP {status}: check the connection's credentials.");
            }
            if (status is >= 300 and < 400)
            {
                throw new ProbeFailure(CauseOfFailure.CommunicationFailure, $"POST {path} answered a redirect (HTTP {status}); adaptors must answer directly.");
            }
            if (status is < 200 or >= 300)
            {
                throw new ProbeFailure(CauseOfFailure.CommunicationFailure, $"POST {path} answered HTTP {status}.");
            }

            byte[] body;
            try
            {
                body = await ReadBoundedAsync(response.Content, probeOptions.Value.MaxResponseBytes, ct);
            }
            catch (HttpRequestException e)
            {
                throw Classify(e, path);
            }
            catch (IOException)
            {
                throw new ProbeFailure(CauseOfFailure.CommunicationFailure, $"POST {path}: the answer broke off.");
            }
            if (body.Length == 0 || body.AsSpan().Trim(" \t\r\n"u8).IsEmpty)
            {
                return allowEmpty ? null : throw new ProbeFailure(CauseOfFailure.CommunicationFailure, $"POST {path} answered an empty body.");
            }
            var (node, problem) = Errors.JsonBody.Parse(body, "answer", finiteNumbers: false);
            return problem is null ? node : throw new ProbeFailure(CauseOfFailure.CommunicationFailure, $"POST {path} did not answer JSON.");
        }
    }

    private static async Task<byte[]> ReadBoundedAsync(HttpContent content, int maxBytes, CancellationToken ct)
    {
        if (content.Headers.ContentLength > maxBytes)
        {
            throw new ProbeFailure(CauseOfFailure.CommunicationFailure, $"The adaptor's answer is larger than {maxBytes} bytes.");
        }
        await using var stream = await content.ReadAsStreamAsync(ct);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw new ProbeFailure(CauseOfFailure.CommunicationFailure, $"The adaptor's answer is larger than {maxBytes} bytes.");
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private static ProbeFailure Classify(HttpRequestException e, string path)
    {
        if (Adaptors.EgressRefusedException.In(e) is { } refused)
        {
            return new ProbeFailure(CauseOfFailure.DestinationHostUnreachable, refused.Message);
        }
        var unreachable = e.HttpRequestError is HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError or HttpRequestError.SecureConnectionError
            || e.InnerException is SocketException;
        return unreachable
            ? new ProbeFailure(CauseOfFailure.DestinationHostUnreachable, $"POST {path}: the adaptor's host could not be reached ({Describe(e.HttpRequestError)}).")
            : new ProbeFailure(CauseOfFailure.CommunicationFailure, $"POST {path}: the exchange with the adaptor failed ({Describe(e.HttpRequestError)}).");
    }

    private static string Describe(HttpRequestError error) => error switch
    {
        HttpRequestError.NameResolutionError => "name resolution failed",
        HttpRequestError.ConnectionError => "connection refused or lost",
        HttpRequestError.SecureConnectionError => "TLS handshake failed",
        HttpRequestError.ResponseEnded => "the answer ended early",
        HttpRequestError.InvalidResponse => "the answer is not valid HTTP",
        _ => "transport error",
    };

    private string InstanceId => adaptorOptions.Value.EffectiveInstanceId;



    private sealed class ProbeFailure(CauseOfFailure cause, string message) : Exception(message)
    {
        public CauseOfFailure Cause { get; } = cause;
    }
}
