using ExternalDb.Server.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ExternalDb.Server.Observability;

/// <summary>Ready when the registry can be reached and its migrations have run.</summary>
internal sealed class RegistryHealthCheck(Database database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        await database.ReadinessProblemAsync(cancellationToken) is { } problem
            ? HealthCheckResult.Unhealthy(problem)
            : HealthCheckResult.Healthy("The registry is reachable and migrated.");
}
