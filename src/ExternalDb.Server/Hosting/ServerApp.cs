using System.Text.Json;
using System.Text.Json.Serialization;
using ExternalDb.Server.Adaptors;
using ExternalDb.Server.Auth;
using ExternalDb.Demo;
using ExternalDb.Server.Connections;
using ExternalDb.Server.Demo;
using ExternalDb.Server.Console;
using ExternalDb.Server.Errors;
using ExternalDb.Server.Gateway;
using ExternalDb.Server.Observability;
using ExternalDb.Server.Probing;
using ExternalDb.Server.StatusChecks;
using ExternalDb.Server.Storage;
using ExternalDb.Server.Webhooks;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Scalar.AspNetCore;

namespace ExternalDb.Server.Hosting;

/// <summary>Composes the ExternalDb server: services, middleware and endpoints.</summary>
internal static class ServerApp
{
    /// <summary>Builds the app from command-line arguments; <paramref name="configure"/> lets tests adjust the builder.</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // appsettings.json sits next to the binaries; relative paths in settings (./data) stay relative to the caller's folder.
        // The application name is fixed: hosted by a test runner, the entry assembly is not this one, and the console's
        // static assets are found by this name.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
            ApplicationName = typeof(ServerApp).Assembly.GetName().Name,
        });
        // The console's assets (its own and those of its component libraries) are served from the build output as well
        // as from a published folder, in every environment.
        builder.WebHost.UseStaticWebAssets();
        // Assets as the manifest lists them, in every environment. A build's manifest would otherwise switch on the
        // development reloader, whose GET-only catch-all route for files added later makes a POST to any unknown path
        // a 405 instead of a 404.
        builder.Configuration["ReloadStaticAssetsAtRuntime"] = "false";
        // Bulk item calls may be large; the readers bound each endpoint's body themselves and say so in a 400.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = GatewayRequest.MaxBodyBytes + 64 * 1024);
        configure?.Invoke(builder);
        AddServices(builder.Services, builder.Configuration);
        var app = builder.Build();
        UsePipeline(app);
        return app;
    }

    /// <summary>The JSON conventions of the API: camelCase, enums as UPPER_SNAKE names, nulls left out.</summary>
    public static void ConfigureJson(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseUpper, allowIntegerValues: false));
        options.Converters.Add(new UtcMillisecondDateConverter());
        // Numbers are numbers: not read from strings, and so documented as numbers only.
        options.NumberHandling = JsonNumberHandling.Strict;
    }

    private static void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.ConfigureHttpJsonOptions(o => ConfigureJson(o.SerializerOptions));
        services.AddProblemDetails(o => o.CustomizeProblemDetails = WixTransport.AddRequestId);
        services.AddExceptionHandler<UnhandledExceptionHandler>();
        services.AddOpenApi(OpenApiDocumentation.Configure);

        services.TryAddSingleton(TimeProvider.System);
        services.AddObservability(configuration);
        services.AddStorage(configuration);
        services.AddApiKeyAuth(configuration);
        services.AddAdaptors(configuration);
        services.AddProbing(configuration);
        services.AddConnectionServices();
        services.AddGateway(configuration);
        services.AddStatusChecks(configuration);
        services.AddWebhooks(configuration);
        services.AddDemo(configuration);
        services.AddConsole(configuration);
    }

    private static void UsePipeline(WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages(async context =>
        {
            var http = context.HttpContext;
            // A path served for other methods is still a route the caller's method does not have: Wix answers 404, and
            // Wix's SDK treats only a 404 as "not found".
            if (http.Response.StatusCode is StatusCodes.Status404NotFound or StatusCodes.Status405MethodNotAllowed)
            {
                http.Response.Headers.Allow = default;
                await ApiError.NotFound($"No route matches {http.Request.Method} {http.Request.Path}.").ExecuteAsync(http);
            }
        });
        app.UseWixTransport();
        app.UseGatewayRequestLog();
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();

        app.MapOpenApi();
        // A self-hosted reference: no fonts, telemetry, agent or client from Scalar's servers; "Test Request" sends the key.
        app.MapScalarApiReference(o => o.WithTitle("ExternalDb API")
            .WithFavicon("/favicon.svg")
            .DisableDefaultFonts()
            .DisableTelemetry()
            .DisableAgent()
            .DisableMcp()
            .HideClientButton()
            .HideDeveloperTools()
            .AddPreferredSecuritySchemes(OpenApiDocumentation.SecurityScheme));
        app.MapGet("/api", () => TypedResults.Ok(new { name = "ExternalDb", api = ConnectionEndpoints.WixBase, reference = "/scalar/v1", openApi = "/openapi/v1.json", console = "/" }))
            .ExcludeFromDescription();
        app.MapObservability();
        app.MapConsole();
        app.MapConnections();
        app.MapStatusHistory();
        app.MapApiKeys();
        app.MapWebhooks();
        app.MapGateway();
        app.MapDemo();
    }

    /// <summary>Starts listening, then seeds the demo adaptor (it is served by this very server).</summary>
    public static async Task StartAsync(WebApplication app, CancellationToken ct = default)
    {
        await app.StartAsync(ct);
        try
        {
            await DemoAdaptor.SeedAsync(app, ct);
        }
        catch (HttpRequestException e)
        {
            app.Logger.LogWarning("The demo adaptor could not be seeded: {Reason}", e.Message);
        }
    }

    /// <summary>Migrates the store and makes sure an admin key exists; prints a generated key once.</summary>
    public static async Task InitializeAsync(WebApplication app, CancellationToken ct = default)
    {
        var database = app.Services.GetRequiredService<Database>();
        await database.MigrateAsync(ct);
        _ = app.Services.GetRequiredService<SecretProtector>();
        await app.Services.GetRequiredService<ConnectionStore>().MigrateNameKeysAsync(app.Logger, ct);
        var auth = app.Services.GetRequiredService<IOptions<AuthOptions>>().Value;
        var (change, generated) = await app.Services.GetRequiredService<ApiKeyStore>().EnsureBootstrapAsync(auth.BootstrapAdminKey, ct);
        if (change == BootstrapKeyChange.Replaced)
        {
            app.Logger.LogWarning("The bootstrap admin key was replaced by the one in Auth:BootstrapAdminKey; the earlier bootstrap key no longer works (other API keys are unchanged).");
        }
        // Written to the console on purpose and only this once: neither is ever logged.
        if (generated is not null)
        {
            await System.Console.Out.WriteLineAsync(
                $"""
                ExternalDb: no Auth:BootstrapAdminKey was configured, so an admin API key was generated.
                It is shown only now; store it safely:

                    {generated.Value}

                """);
        }
        var demo = app.Services.GetRequiredService<DemoAdaptorState>();
        if (demo.Enabled && demo.Secret.Generated)
        {
            await System.Console.Out.WriteLineAsync(
                $"""
                ExternalDb: the demo adaptor at {demo.PathPrefix} was given a random secret key (for the configuration of
                STANDALONE connections). It is kept in {demo.SecretFile}; an ADMIN key reads it at GET /v1/demo-adaptor:

                    {demo.Secret.Value}

                """);
        }
    }
}
