using Microsoft.Extensions.Options;

namespace ExternalDb.Server.Adaptors;

/// <summary>Checks the <c>Adaptors</c> section at start.</summary>
internal sealed class AdaptorClientOptionsValidator : IValidateOptions<AdaptorClientOptions>
{
    public ValidateOptionsResult Validate(string? name, AdaptorClientOptions options) =>
        string.IsNullOrWhiteSpace(options.JwtIssuer) ? ValidateOptionsResult.Fail("Adaptors:JwtIssuer must not be empty.") : ValidateOptionsResult.Success;
}

/// <summary>Checks the pipeline bounds of the <c>Gateway</c> section at start.</summary>
internal sealed class AdaptorPipelineOptionsValidator : IValidateOptions<AdaptorPipelineOptions>
{
    public ValidateOptionsResult Validate(string? name, AdaptorPipelineOptions options) =>
        options.MaxConcurrentCallsPerAdaptor > 0 && options.MaxQueuedCallsPerAdaptor >= 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail("Gateway concurrency bounds must be positive.");
}
