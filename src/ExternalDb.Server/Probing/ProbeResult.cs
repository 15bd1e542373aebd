using ExternalDb.Protocol;
using ExternalDb.Server.Connections;

namespace ExternalDb.Server.Probing;

/// <summary>What a check of an adaptor found.</summary>
internal sealed record ProbeResult(ConnectionStatus Status, ConnectionCapabilities Capabilities, ProtocolVersion ProtocolVersion)
{
    public static ProbeResult Failed(CauseOfFailure cause, string message, DateTimeOffset checkedDate, long latencyMs) => new(
        new ConnectionStatus
        {
            Successful = false,
            CauseOfFailure = cause,
            HasCollections = CollectionsFound.Unknown,
            CheckedDate = checkedDate,
            LatencyMs = latencyMs,
            Message = message,
        },
        ConnectionCapabilities.None,
        ProtocolVersion.Unknown);
}
