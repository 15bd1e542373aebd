using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using ExternalDb.Server.Adaptors;
using ExternalDb.Server.Adaptors.Legacy;
using ExternalDb.Server.Connections;
using ExternalDb.Server.Hosting;
using ExternalDb.Server.Json;
using Microsoft.Extensions.Options;

namespace ExternalDb.Server.Probing;

/// <summary>
/// Checks a connection's adaptor through the protocol clients: which protocol it speaks, whether our credentials work,
/// whether it has collections and what it can do. Adaptor trouble never throws: it becomes a failed
/// <see cref="ProbeResult"/>. One overall bound (<see cref="ProbeOptions.Timeout"/>) covers the whole check, and answers
/// are read up to <see cref="ProbeOptions.MaxResponseBytes"/>, around the gateway's resilience pipeline.
/// </summary>
internal sealed class AdaptorProber(
    V3Protocol v3,
    LegacyProtocol legacy,
    IOptions<ProbeOptions> probeOptions,
    TimeProvider time,
    ILogger<AdaptorProber> logger)
{
    public async Task<ProbeResult> ProbeAsync(ProbeTarget target, CancellationToken ct)
    {
        var started = time.GetTimestamp();
        var checkedDate = time.UtcNowToMillisecond();
        if (target.Adaptor is not { } adaptor)
        {
            return ProbeResult.Failed(CauseOfFailure.DestinationEndpointNotDefined,
                "The connection has no endpoint yet: set one with Update to check the adaptor.", checkedDate, 0);
        }

        var bounds = probeOptions.Value;
        var options = new AdaptorCallOptions { Timeout = bounds.Timeout, MaxAnswerBytes = bounds.MaxResponseBytes, Resilient = false };
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bound.CancelAfter(bounds.Timeout);
        ProbeResult result;
        try
        {
            result = target.ConnectionType == ConnectionType.WixServicePlugin
                ? await ProbeV3Async(adaptor, options, bound.Token)
                : await ProbeLegacyAsync(adaptor, options, bound.Token);
        }
        catch (AdaptorCallException e)
        {
            var (cause, message) = Classify(e);
            result = ProbeResult.Failed(cause, message, checkedDate, 0);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException)
        {
            // JSON of an unexpected shape (a value where an object was due, ...): the adaptor's fault.
            result = ProbeResult.Failed(CauseOfFailure.CommunicationFailure, "The adaptor answered JSON of an unexpected shape.", checkedDate, 0);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            result = ProbeResult.Failed(CauseOfFailure.DestinationHostUnreachable, TimedOut, checkedDate, 0);
        }

        var latency = (long)time.GetElapsedTime(started).TotalMilliseconds;
        result = result with { Status = result.Status with { CheckedDate = checkedDate, LatencyMs = latency } };
        if (result.Status.Successful)
        {
            logger.LogInformation("Checked the adaptor of connection {Connection}: working, protocol {ProtocolVersion}, in {LatencyMs} ms",
                target.Name, result.ProtocolVersion, latency);
        }
        else
        {
            logger.LogInformation("Checked the adaptor of connection {Connection}: not working ({Cause}) in {LatencyMs} ms",
                target.Name, result.Status.CauseOfFailure, latency);
        }
        return result;
    }

    private async Task<ProbeResult> ProbeLegacyAsync(AdaptorConnection adaptor, AdaptorCallOptions options, CancellationToken ct)
    {
        var provision = await legacy.ProvisionAsync(adaptor, options, ct);
        var version = ReadProtocolVersion(provision);
        var schemas = await legacy.ListSchemasAsync(adaptor with { ProtocolVersion = version }, options, ct);

        var capabilities = ConnectionCapabilities.None;
        if (version == ProtocolVersion.V2)
        {
            var (modifiable, fieldTypes) = LegacySchemas.Capabilities(schemas.Append(provision));
            capabilities = new ConnectionCapabilities { CollectionModificationsSupported = modifiable, FieldTypes = fieldTypes };
        }
        return Succeeded(schemas.Count, capabilities, version);
    }

    private async Task<ProbeResult> ProbeV3Async(AdaptorConnection adaptor, AdaptorCallOptions options, CancellationToken ct)
    {
        var capabilities = await v3.CallAsync(adaptor, AdaptorOperations.GetCapabilities, [], options, ct);
        var modifications = capabilities["supportsCollectionModifications"] switch
        {
            null => false,
            JsonValue v when v.TryGetValue<bool>(out var b) => b,
            _ => throw BadAnswer(AdaptorOperations.GetCapabilities, "supportsCollectionModifications is not a boolean"),
        };
        var fieldTypes = capabilities["supportedFieldTypes"] switch
        {
            null => [],
            JsonArray a => a.Select(JsonRead.Text).OfType<string>().Where(FieldTypes.All.Contains).Distinct(StringComparer.Ordinal).Take(255).ToList(),
            _ => throw BadAnswer(AdaptorOperations.GetCapabilities, "supportedFieldTypes is not an array"),
        };

        var collections = await v3.CallAsync(adaptor, AdaptorOperations.ListCollections, new JsonObject { ["collectionIds"] = new JsonArray() }, options, ct);
        var list = collections["collections"] as JsonArray
            ?? throw BadAnswer(AdaptorOperations.ListCollections, "has no 'collections' array");
        return Succeeded(list.Count, new ConnectionCapabilities { CollectionModificationsSupported = modifications, FieldTypes = fieldTypes }, ProtocolVersion.V3);
    }

    /// <summary>The one mapping of an adaptor failure to the cause a check reports, with a sentence that says what failed where.</summary>
    private (CauseOfFailure Cause, string Message) Classify(AdaptorCallException e) => e switch
    {
        { AdaptorStatus: 401 or 403 } => (CauseOfFailure.Unauthorized,
            $"POST {e.Path} was refused with HTTP {e.AdaptorStatus}: check the connection's credentials."),
        { AdaptorStatus: >= 300 and < 400 } => (CauseOfFailure.CommunicationFailure,
            $"POST {e.Path} answered a redirect (HTTP {e.AdaptorStatus}); adaptors must answer directly."),
        { AdaptorStatus: < 200 or >= 400 } => (CauseOfFailure.CommunicationFailure, $"POST {e.Path} answered HTTP {e.AdaptorStatus}."),
        { Failure: AdaptorFailure.Timeout } => (CauseOfFailure.DestinationHostUnreachable, TimedOut),
        { Failure: AdaptorFailure.Unreachable } => (CauseOfFailure.DestinationHostUnreachable, e.Message),
        _ => (CauseOfFailure.CommunicationFailure, e.Message),
    };

    private string TimedOut => $"The adaptor did not answer within {probeOptions.Value.Timeout.TotalSeconds:0.###} s.";

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

    private static ProtocolVersion ReadProtocolVersion(JsonObject provision)
    {
        var node = provision["protocolVersion"];
        if (node is null)
        {
            return ProtocolVersion.V1;
        }
        var number = JsonRead.Integer(node)
            ?? (JsonRead.Text(node) is { } text && int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var parsed) ? parsed : -1);
        return number switch
        {
            1 => ProtocolVersion.V1,
            2 => ProtocolVersion.V2,
            3 => throw new AdaptorCallException(AdaptorFailure.BadAnswer,
                "The adaptor answered /provision with protocolVersion 3: connect it as WIX_SERVICE_PLUGIN.") { Path = LegacyPaths.Provision },
            _ => throw BadAnswer(LegacyPaths.Provision, "has an unknown protocolVersion"),
        };
    }

    private static AdaptorCallException BadAnswer(string operationOrPath, string what)
    {
        var path = operationOrPath.StartsWith('/') ? operationOrPath : AdaptorOperations.Path(operationOrPath);
        return new AdaptorCallException(AdaptorFailure.BadAnswer, $"The adaptor's answer to POST {path} {what}.") { Path = path };
    }
}
