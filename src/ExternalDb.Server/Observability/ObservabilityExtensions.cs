using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ExternalDb.Server.Observability;

/// <summary>
/// OpenTelemetry metrics (ASP.NET Core, HttpClient, Npgsql and <see cref="ServerMetrics"/>), the Prometheus endpoint,
/// and the liveness and readiness endpoints. When the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, traces of the
/// same sources are recorded too, and traces and metrics go to that OTLP collector.
/// </summary>
internal static class ObservabilityExtensions
{
    private const string ReadyTag = "ready";

    public static IServiceCollection AddObservability(this IServiceCollection services, IConfiguration configuration)
    {
        var metrics = configuration.GetSection(MetricsOptions.Section).Get<MetricsOptions>() ?? new MetricsOptions();
        ServerMetrics.Register(services);
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("externaldb-server"))
            .WithMetrics(m =>
            {
                m.AddAspNetCoreInstrumentation().AddHttpClientInstrumentation().AddNpgsqlInstrumentation().AddMeter(ServerMetrics.MeterName);
                if (metrics.PrometheusEndpoint)
                {
                    m.AddPrometheusExporter();
                }
            });
        // Traces only when they go somewhere: recording spans nobody exports costs every request.
        if (!string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.WithTracing(t => t.AddAspNetCoreInstrumentation().AddHttpClientInstrumentation().AddNpgsql()).UseOtlpExporter();
        }

        services.AddHealthChecks().AddCheck<RegistryHealthCheck>("registry", tags: [ReadyTag]);
        return services;
    }

    public static IEndpointRouteBuilder MapObservability(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Ok(new { status = "ok" })).ExcludeFromDescription();
        app.MapHealthChecks("/readyz", new Microsoft.AspNetCore.Diagnostics.HealthChecks.HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status200OK,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
            ResponseWriter = WriteReadinessAsync,
        }).ExcludeFromDescription();
        if (app.ServiceProvider.GetRequiredService<IConfiguration>().GetSection(MetricsOptions.Section).Get<MetricsOptions>()?.PrometheusEndpoint == true)
        {
            app.MapPrometheusScrapingEndpoint("/metrics").ExcludeFromDescription();
        }
        return app;
    }

    private static Task WriteReadinessAsync(HttpContext context, HealthReport report) =>
        context.Response.WriteAsJsonAsync(new
        {
            status = report.Status == HealthStatus.Unhealthy ? "unavailable" : "ready",
            checks = report.Entries.ToDictionary(e => e.Key, e => e.Value.Description ?? e.Value.Status.ToString()),
        }, context.RequestAborted);
}
