using ExternalDb.Adaptor.Hosting;
using Microsoft.Extensions.Options;

namespace ExternalDb.Adaptor.Auth;

/// <summary>The default resolver: <c>Adaptor:JwtPublicKeys</c> for the one <c>Adaptor:Audience</c>.</summary>
internal sealed class ConfiguredV3KeyResolver(IOptions<AdaptorOptions> options) : IV3KeyResolver
{
    private readonly Lazy<V3Keys?> _keys = new(() =>
    {
        var keys = options.Value.ConfiguredKeys.Select(PublicKeyParser.Parse).ToList();
        return keys.Count == 0 ? null : new V3Keys(keys);
    });

    public ValueTask<V3Keys?> ResolveAsync(string audience, CancellationToken ct) =>
        ValueTask.FromResult(!string.IsNullOrEmpty(options.Value.Audience) && string.Equals(audience, options.Value.Audience, StringComparison.Ordinal)
            ? _keys.Value
            : null);
}
