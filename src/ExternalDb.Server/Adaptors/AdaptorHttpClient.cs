using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using ExternalDb.Server.Json;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.RateLimiting;
using Polly.Timeout;

namespace ExternalDb.Server.Adaptors;

/// <summary>
/// The one HTTP client of every adaptor call, the prober's and the gateway's. Connections pass the egress policy;
/// redirects are never followed; each call has one bound (<see cref="AdaptorCallOptions.Timeout"/>), answer body
/// included, and answers are read only up to <see cref="AdaptorCallOptions.MaxAnswerBytes"/>. Calls marked
/// <see cref="AdaptorCallOptions.Resilient"/> go through a pipeline per adaptor (host and port) that bounds concurrent
/// calls and breaks the circuit while the adaptor keeps failing, so a slow or hostile adaptor costs only its own calls.
/// Every failure is classified here, once, as an <see cref="AdaptorCallException"/>.
/// </summary>
internal sealed class AdaptorHttpClient(IHttpClientFactory clients, Observability.ServerMetrics metrics)
{
    private const string ResilientClient = "ExternalDb.Adaptors";
    private const string DirectClient = "ExternalDb.Adaptors.Direct";
    private static readonly HttpRequestOptionsKey<TimeSpan> CallTimeout = new("ExternalDb.Adaptors.CallTimeout");
    private static readonly MediaTypeWithQualityHeaderValue Json = new("application/json");

    /// <summary>Registers the client (both handlers) and the egress policy it connects through.</summary>
    public static void Register(IServiceCollection services)
    {
        EgressPolicy.Register(services);
        Observability.ServerMetrics.Register(services);
        services.AddSingleton<AdaptorHttpClient>();
        services.AddHttpClient(DirectClient, Configure).ConfigurePrimaryHttpMessageHandler(EgressCheckedHandler).RemoveAllLoggers();
        services.AddHttpClient(ResilientClient, Configure).ConfigurePrimaryHttpMessageHandler(EgressCheckedHandler).RemoveAllLoggers()
            .AddResilienceHandler("adaptor", (builder, context) =>
            {
                var o = context.ServiceProvider.GetRequiredService<IOptions<AdaptorPipelineOptions>>().Value;
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
                        && EgressRefusedException.In(args.Outcome.Exception) is null),
                    OnOpened = args => CircuitChanged(context.ServiceProvider, args.Context, Observability.CircuitState.Open),
                    OnHalfOpened = args => CircuitChanged(context.ServiceProvider, args.Context, Observability.CircuitState.HalfOpen),
                    OnClosed = args => CircuitChanged(context.ServiceProvider, args.Context, Observability.CircuitState.Closed),
                });
                // Until the answer's headers (the call's own bound also covers the body), so that the breaker counts slow adaptors.
                builder.AddTimeout(new HttpTimeoutStrategyOptions
                {
                    TimeoutGenerator = args => ValueTask.FromResult(
                        args.Context.GetRequestMessage()?.Options.TryGetValue(CallTimeout, out var timeout) == true ? timeout : Timeout.InfiniteTimeSpan),
                });
            })
            .SelectPipelineByAuthority();

        static void Configure(HttpClient http) => http.Timeout = Timeout.InfiniteTimeSpan;
    }

    /// <summary>
    /// The handler of every outgoing call (adaptors and webhooks): connects only through the egress policy, never follows
    /// a redirect, sends no cookies and uses no proxy.
    /// </summary>
    public static HttpMessageHandler EgressCheckedHandler(IServiceProvider services) => new SocketsHttpHandler
    {
        ConnectCallback = services.GetRequiredService<EgressPolicy>().ConnectAsync,
        AllowAutoRedirect = false,
        UseCookies = false,
        UseProxy = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        MaxConnectionsPerServer = 64,
        MaxResponseHeadersLength = 64,
    };

    private static ValueTask CircuitChanged(IServiceProvider services, ResilienceContext context, Observability.CircuitState state)
    {
        services.GetRequiredService<Observability.ServerMetrics>().CircuitChanged(context.GetRequestMessage()?.RequestUri?.Authority, state);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Posts <paramref name="content"/> to <paramref name="url"/>, an adaptor of <paramref name="connection"/> (the name tags
    /// the call's metrics); the answer whatever its status, or a classified failure.
    /// </summary>
    public async Task<AdaptorAnswer> PostAsync(string connection, Uri url, HttpContent content, AdaptorCallOptions options, CancellationToken ct)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            var answer = await PostAsync(url, content, options, ct);
            metrics.AdaptorCallAnswered(connection, answer.Status, started);
            return answer;
        }
        catch (AdaptorCallException e)
        {
            metrics.AdaptorCallFailed(connection, System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(e.Failure.ToString()), started);
            throw;
        }
    }

    private async Task<AdaptorAnswer> PostAsync(Uri url, HttpContent content, AdaptorCallOptions options, CancellationToken ct)
    {
        var path = url.AbsolutePath;
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bound.CancelAfter(options.Timeout);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        request.Headers.Accept.Add(Json);
        request.Options.Set(CallTimeout, options.Timeout);
        var http = clients.CreateClient(options.Resilient ? ResilientClient : DirectClient);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, bound.Token);
            var status = (int)response.StatusCode;
            await using var stream = await response.Content.ReadAsStreamAsync(bound.Token);
            var body = await BoundedBody.ReadAsync(stream, response.Content.Headers.ContentLength, options.MaxAnswerBytes, bound.Token)
                ?? throw Failure(AdaptorFailure.BadAnswer, $"The adaptor's answer to {path} is larger than {options.MaxAnswerBytes} bytes.", path, status);
            return new AdaptorAnswer(status, body);
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutRejectedException && !ct.IsCancellationRequested)
        {
            throw Failure(AdaptorFailure.Timeout, $"The adaptor did not answer {path} within {options.Timeout.TotalSeconds:0.###} s.", path);
        }
        catch (BrokenCircuitException)
        {
            throw Failure(AdaptorFailure.Unreachable, "The adaptor keeps failing; calls to it are paused for a few seconds.", path);
        }
        catch (RateLimiterRejectedException)
        {
            throw Failure(AdaptorFailure.Unreachable, "Too many calls are waiting for this adaptor.", path);
        }
        catch (HttpRequestException e) when (EgressRefusedException.In(e) is { } refused)
        {
            throw Failure(AdaptorFailure.Unreachable, refused.Message, path);
        }
        catch (HttpRequestException e) when (e.HttpRequestError is HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError
            or HttpRequestError.SecureConnectionError || e.InnerException is SocketException)
        {
            throw Failure(AdaptorFailure.Unreachable, $"POST {path}: the adaptor's host could not be reached ({Describe(e.HttpRequestError)}).", path);
        }
        catch (HttpRequestException e)
        {
            throw Failure(AdaptorFailure.BadAnswer, $"POST {path}: the exchange with the adaptor failed ({Describe(e.HttpRequestError)}).", path);
        }
        catch (IOException)
        {
            throw Failure(AdaptorFailure.BadAnswer, $"POST {path}: the answer broke off.", path);
        }
    }

    /// <summary>The URL of <paramref name="path"/> under an adaptor's base URL (its query string kept).</summary>
    public static Uri Combine(string endpoint, string path)
    {
        var builder = new UriBuilder(endpoint);
        builder.Path = builder.Path.TrimEnd('/') + path;
        return builder.Uri;
    }

    private static AdaptorCallException Failure(AdaptorFailure failure, string message, string path, int? status = null) =>
        new(failure, message, status) { Path = path };

    private static string Describe(HttpRequestError error) => error switch
    {
        HttpRequestError.NameResolutionError => "name resolution failed",
        HttpRequestError.ConnectionError => "connection refused or lost",
        HttpRequestError.SecureConnectionError => "TLS handshake failed",
        HttpRequestError.ResponseEnded => "the answer ended early",
        HttpRequestError.InvalidResponse => "the answer is not valid HTTP",
        _ => "transport error",
    };
}
