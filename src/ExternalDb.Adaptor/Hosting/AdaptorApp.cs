using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ExternalDb.Adaptor.Hosting;

/// <summary>Builds the stand-alone adaptor web application.</summary>
public static class AdaptorApp
{
    /// <summary>
    /// Builds the adaptor host: configuration from the usual sources (command line, <c>Adaptor__*</c> environment
    /// variables), the adaptor services bound to the <c>Adaptor</c> section, and its endpoints at the root.
    /// <paramref name="configure"/> runs before the services are built (tests use it for settings and URLs).
    /// </summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        configure?.Invoke(builder);
        builder.Services.AddExternalDbAdaptor(builder.Configuration.GetSection(AdaptorOptions.SectionName));
        var app = builder.Build();
        app.MapExternalDbAdaptor();
        return app;
    }
}
