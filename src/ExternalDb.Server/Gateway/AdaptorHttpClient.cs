using System.Net.Http.Headers;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.RateLimiting;
using Polly.Timeout;

namespace ExternalDb.Server.Gateway;

/// <summary>A raw adaptor answer: status and body.</summary>
public sealed record AdaptorAnswer(int Status, byte[] Body);

/// <summary>
/// The gateway's pooled HTTP client to adaptors. Per adaptor (host and port) it bounds concurrency and breaks the
/// circuit while the adaptor keeps failing; one overall timeout covers each call, answer body included, and answers
/// are read only up to <see cref="GatewayOptions.MaxResponseBytes"/>. So a slow or hostile adaptor costs only its own calls.
/// </summary>
public sealed class AdaptorHttpClient(HttpClient http, IOptions<GatewayOptions> options)
{
    public static void Register(IServiceCollection services)
    {
        Adaptors.EgressPolicy.Register(services);
        services.AddHttpClient<AdaptorHttpClient>((sp, http) =>
            {
                http.Timeout = Timeout.InfiniteTimeSpan;
                http.MaxResponseContentBufferSize = sp.GetRequiredService<IOptions<GatewayOptions>>().Value.MaxResponseBytes;
            })
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                ConnectCallback = sp.GetRequiredService<Adaptors.EgressPolicy>().ConnectAsync,
                AllowAutoRedirect = false,
                UseCookies = false,
                UseProxy = false,
                ConnectTimeout = TimeSpan.FromSeconds(5),
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                MaxConnectionsPerServer = 64,
                MaxResponseHeadersLength = 64,
            })
            .RemoveAllLoggers()
            .AddResilienceHandler("adaptor", (builder, context) =>
            {
                var o = context.ServiceProvider.GetRequiredService<IOptions<GatewayOptions>>().Value;
                builder.AddConcurrencyLimiter(new ConcurrencyLimiterOptions
                {
                    PermitLimit = o.MaxConcurrentCallsPerAdaptor,
                    QueueLimit = o.MaxQueuedCallsPerAdaptor,
                    QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                });
                builder.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
                {
                    FailureRatio = 0.5,
                    MinimumThroughput = 10,
                    SamplingDuration = TimeSpan.FromSeconds(10),
                    BreakDuration = o.CircuitBreakDuration,
                    // Only transport failures and timeouts count: an adaptor's own 5xx answer is passed through, and an
                    // address the egress policy refuses was never called.
                    ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is HttpRequestException or TimeoutRejectedException
                        && Adaptors.EgressRefusedException.In(args.Outcome.Exception) is null),
                });
                // Until the answer's headers; the caller's own bound also covers the body.
                builder.AddTimeout(o.AdaptorTimeout);
            })
            .SelectPipelineByAuthority();
    }

    public async Task<AdaptorAnswer> PostAsync(Uri url, HttpContent content, CancellationToken ct)
    {
        var timeout = options.Value.AdaptorTimeout;
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bound.CancelAfter(timeout);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, bound.Token);
            var body = await response.Content.ReadAsByteArrayAsync(bound.Token);
            return new AdaptorAnswer((int)response.StatusCode, body);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new AdaptorCallException(AdaptorFailure.Timeout, $"The adaptor did not answer {url.AbsolutePath} within {timeout.TotalSeconds:0.###} s.");
        }
        catch (TimeoutRejectedException)
        {
            throw new AdaptorCallException(AdaptorFailure.Timeout, $"The adaptor did not answer {url.AbsolutePath} within {timeout.TotalSeconds:0.###} s.");
        }
        catch (BrokenCircuitException)
        {
            throw new AdaptorCallException(AdaptorFailure.Unreachable, "The adaptor keeps failing; calls to it are paused for a few seconds.");
        }
        catch (RateLimiterRejectedException)
        {
            throw new AdaptorCallException(AdaptorFailure.Unreachable, "Too many calls are waiting for this adaptor.");
        }
        catch (HttpRequestException e) when (Adaptors.EgressRefusedException.In(e) is { } refused)
        {
            throw new AdaptorCallException(AdaptorFailure.Unreachable, refused.Message);
        }
        catch (HttpRequestException e) when (e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError)
        {
            throw new AdaptorCallException(AdaptorFailure.Unreachable, $"The adaptor could not be reached at {url.AbsolutePath}.");
        }
        catch (HttpRequestException)
        {
            throw new AdaptorCallException(AdaptorFailure.BadAnswer, $"The adaptor's answer to {url.AbsolutePath} could not be read (broken, or larger than {options.Value.MaxResponseBytes} bytes).");
        }
    }

    /// <summary>The URL of <paramref name="path"/> under an adaptor's base URL (its query string kept).</summary>
    public static Uri Combine(string endpoint, string path)
    {
        var builder = new UriBuilder(endpoint);
        builder.Path = builder.Path.TrimEnd('/') + path;
        return builder.Uri;
    }
}
