using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;

namespace ExternalDb.TestSupport;

/// <summary>One webhook delivery a <see cref="WebhookReceiver"/> accepted, its signature verified.</summary>
/// <param name="WebhookId">The <c>webhook-id</c> header: the same on every attempt of one delivery.</param>
/// <param name="Body">The body: <c>{"id", "type", "timestamp", "data"}</c>.</param>
public sealed record ReceivedWebhook(string WebhookId, JsonObject Body)
{
    /// <summary>The event's id (<c>id</c> of the body).</summary>
    public string EventId => Body["id"]!.GetValue<string>();

    /// <summary>The event's type (<c>type</c> of the body).</summary>
    public string Type => Body["type"]!.GetValue<string>();

    /// <summary>The event's <c>data</c>.</summary>
    public JsonObject Data => Body["data"]!.AsObject();
}

/// <summary>
/// A real HTTP receiver of webhooks on <c>http://127.0.0.1:{free port}/hooks</c> that verifies every delivery's
/// Standard Webhooks signature with the <c>StandardWebhooks</c> package against the secrets it was given. It can answer
/// with any status, and go down (refusing connections) and come back on the same port.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedWebhook> _accepted = new();
    private readonly ConcurrentQueue<string> _rejected = new();
    private readonly ConcurrentBag<string> _secrets = [];
    private readonly ConcurrentQueue<string> _requestIds = new();
    private WebApplication? _app;
    private readonly ConcurrentDictionary<string, int> _inFlight = new();
    private volatile int _status = 200;
    private int _requests;
    private int _overlaps;
    private long _holdTicks;

    private WebhookReceiver(int port) => Port = port;

    /// <summary>The port it listens on, kept across <see cref="StopAsync"/> and <see cref="StartAgainAsync"/>.</summary>
    public int Port { get; private set; }

    /// <summary>Where webhooks should post.</summary>
    public string Url => $"http://127.0.0.1:{Port}/hooks";

    /// <summary>The deliveries answered with a 2xx, signature verified, in arrival order.</summary>
    public IReadOnlyList<ReceivedWebhook> Accepted => [.. _accepted];

    /// <summary>Why requests were refused for their signature (none, when every delivery was signed right).</summary>
    public IReadOnlyList<string> Rejected => [.. _rejected];

    /// <summary>Every request that reached the receiver (answered 2xx or not).</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>How many requests (attempts) of the delivery <paramref name="webhookId"/> reached the receiver.</summary>
    public int RequestsOf(string webhookId) => _requestIds.Count(id => id == webhookId);

    /// <summary>Starts a receiver on a free loopback port.</summary>
    public static async Task<WebhookReceiver> StartAsync()
    {
        var receiver = new WebhookReceiver(0);
        await receiver.StartAgainAsync();
        return receiver;
    }

    /// <summary>A secret (<c>whsec_...</c>) that signs deliveries to this receiver.</summary>
    public void Trust(string secret) => _secrets.Add(secret);

    /// <summary>
    /// How many times a request arrived while another request with the same <c>webhook-id</c> was still being answered:
    /// zero when each delivery is attempted by one sender at a time.
    /// </summary>
    public int Overlaps => Volatile.Read(ref _overlaps);

    /// <summary>Holds every answer for <paramref name="hold"/> (or until the sender goes away); <see cref="TimeSpan.Zero"/> answers at once.</summary>
    public void HoldAnswers(TimeSpan hold) => Interlocked.Exchange(ref _holdTicks, hold.Ticks);

    /// <summary>Answers verified deliveries with <paramref name="status"/> from now on (2xx: accepted).</summary>
    public void AnswerWith(int status) => _status = status;

    /// <summary>Stops listening: connections are refused until <see cref="StartAgainAsync"/>.</summary>
    public async Task StopAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
    }

    /// <summary>Listens again (on the same port once it had one).</summary>
    public async Task StartAgainAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, Port));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapPost("/hooks", (Delegate)ReceiveAsync);
        await app.StartAsync();
        var address = app.Urls.First();
        Port = new Uri(address).Port;
        _app = app;
    }

    /// <summary>Waits until <paramref name="condition"/> holds for the accepted deliveries, or fails after <paramref name="timeout"/>.</summary>
    public async Task<IReadOnlyList<ReceivedWebhook>> WaitForAsync(Func<IReadOnlyList<ReceivedWebhook>, bool> condition, TimeSpan timeout, string what)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var accepted = Accepted;
            if (condition(accepted))
            {
                return accepted;
            }
            Xunit.Assert.True(DateTime.UtcNow < deadline,
                $"The receiver did not get {what} within {timeout.TotalSeconds} s; it got: {string.Join(", ", accepted.Select(a => a.Type))}");
            await Task.Delay(50);
        }
    }

    private async Task<IResult> ReceiveAsync(HttpContext context)
    {
        var id = context.Request.Headers["webhook-id"].ToString();
        // The body is read first: only then does Kestrel read on and notice at once when a sender gives up (its timeout)
        // or dies, which ends that request here. An earlier attempt whose sender is gone is not an overlap, so a second
        // one arriving meanwhile is given 100 ms for the first one's end to be noticed (two senders attempting at once
        // overlap until the first one's timeout).
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var others = _inFlight.AddOrUpdate(id, 1, (_, n) => n + 1) - 1;
        try
        {
            for (var waited = 0; others > 0 && waited < 100; waited += 10)
            {
                await Task.Delay(10, context.RequestAborted);
                others = _inFlight.GetValueOrDefault(id) - 1;
            }
            if (others > 0)
            {
                Interlocked.Increment(ref _overlaps);
            }
            return await AnswerAsync(context, id, body);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return Results.StatusCode(499);
        }
        finally
        {
            _inFlight.AddOrUpdate(id, 0, (_, n) => n - 1);
        }
    }

    private async Task<IResult> AnswerAsync(HttpContext context, string id, string body)
    {
        Interlocked.Increment(ref _requests);
        _requestIds.Enqueue(id);
        var hold = TimeSpan.FromTicks(Interlocked.Read(ref _holdTicks));
        if (hold > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(hold, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return Results.StatusCode(499);
            }
        }
        var verified = false;
        foreach (var secret in _secrets)
        {
            try
            {
                new StandardWebhook(secret).Verify(body, context.Request.Headers);
                verified = true;
                break;
            }
            catch (WebhookVerificationException)
            {
            }
        }
        if (!verified)
        {
            _rejected.Enqueue($"{context.Request.Headers["webhook-id"]}: no trusted secret verifies its signature");
            return Results.StatusCode(401);
        }
        var status = _status;
        if (status is >= 200 and < 300)
        {
            _accepted.Enqueue(new ReceivedWebhook(context.Request.Headers["webhook-id"].ToString(), JsonNode.Parse(body)!.AsObject()));
        }
        return Results.StatusCode(status);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync();
}
