using Microsoft.Playwright;

namespace ExternalDb.Console.Tests;

/// <summary>
/// A browser page on the console that records what must never happen: an error in the browser's console (a missing
/// favicon is one), an uncaught script error, a failed response, or a request to any host but the server.
/// </summary>
public sealed class ConsolePage : IAsyncDisposable
{
    private readonly ConsoleServer _server;
    private readonly IBrowserContext _context;
    private readonly List<string> _problems = [];
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _browserLog = new();

    private ConsolePage(ConsoleServer server, IBrowserContext context, IPage page)
    {
        _server = server;
        _context = context;
        Page = page;
        page.Console += (_, message) =>
        {
            _browserLog.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {message.Type}: {message.Text}");
            while (_browserLog.Count > 30)
            {
                _browserLog.TryDequeue(out var _);
            }
            if (message.Type == "error")
            {
                Record($"console error on {page.Url}: {message.Text}");
            }
        };
        page.PageError += (_, error) => Record($"page error on {page.Url}: {error}");
        page.Request += (_, request) => CheckHost(request.Url);
        page.WebSocket += (_, socket) => CheckHost(socket.Url);
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                Record($"HTTP {response.Status} for {response.Request.Method} {response.Url}");
            }
        };
    }

    /// <summary>
    /// How long a step waits for the page (navigation, an element, an expectation) before it fails: generous, because
    /// `dotnet test` runs the other test projects beside this one on a 2-core machine (a bound, not a speed target).
    /// </summary>
    public const float WaitMilliseconds = 90_000;

    public IPage Page { get; }

    public IBrowserContext Context => _context;

    /// <summary>What went wrong so far (empty when all is well).</summary>
    public IReadOnlyList<string> Problems
    {
        get
        {
            lock (_problems)
            {
                return [.. _problems];
            }
        }
    }

    public static async Task<ConsolePage> OpenAsync(ConsoleServer server, int width = 1280, int height = 800)
    {
        var context = await server.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = server.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            AcceptDownloads = true,
        });
        context.SetDefaultTimeout(WaitMilliseconds);
        var page = await context.NewPageAsync();
        return new ConsolePage(server, context, page);
    }

    /// <summary>Signs in through the form with <paramref name="key"/> and waits for the connections page.</summary>
    public async Task SignInAsync(string key)
    {
        Step("sign-in: open /");
        await Page.GotoAsync("/");
        Step("sign-in: wait for the redirect to /signin");
        await Page.WaitForURLAsync("**/signin**");
        Step("sign-in: fill the key and submit");
        await Page.Locator("#api-key").FillAsync(key);
        await Page.Locator("#sign-in").ClickAsync();
        Step("sign-in: wait to leave /signin");
        await Page.WaitForURLAsync(url => !url.Contains("/signin", StringComparison.Ordinal));
        await WaitInteractiveAsync();
    }

    /// <summary>Waits until the page's circuit is connected (buttons work from then on).</summary>
    public async Task WaitInteractiveAsync()
    {
        Step("wait for Blazor and the page's heading");
        await Page.WaitForFunctionAsync("() => window.Blazor !== undefined && document.querySelector('h1') !== null");
        // The layout renders #circuit-ready only when it renders interactively, i.e. over a connected circuit. (Not
        // "network idle": that event is not sent again after the circuit's websocket opens, and waiting for it hung.)
        Step("wait for #circuit-ready");
        await Page.Locator("#circuit-ready").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        Step("the test's own steps");
    }

    /// <summary>The step the page is at, said by a failure (several of its waits time out with the same message).</summary>
    private volatile string _step = "the test's own steps";

    private void Step(string step) => _step = $"{step} (at {DateTime.UtcNow:HH:mm:ss.fff} UTC)";

    /// <summary>Runs a test's steps; a failure says on which page it happened and keeps a screenshot of it.</summary>
    public async Task RunAsync(Func<Task> steps)
    {
        try
        {
            await steps();
        }
        catch (Exception e) when (e is PlaywrightException or TimeoutException or Xunit.Sdk.XunitException)
        {
            // One name for what a failure keeps: the screenshot (.png) and the server's whole output (.server.log).
            var kept = Path.Combine(Path.GetTempPath(), $"externaldb-console-failure-{Guid.NewGuid():N}");
            var shot = kept + ".png";
            try
            {
                await Page.ScreenshotAsync(new PageScreenshotOptions { Path = shot, FullPage = true });
            }
            catch (PlaywrightException)
            {
                shot = "(no screenshot)";
            }
            // Whether the page still runs script: a frozen page and a missed navigation event fail the same waits.
            var evaluation = Page.EvaluateAsync<string>("() => location.href + ' (document ' + document.readyState + ', #circuit-ready ' + (document.querySelector('#circuit-ready') !== null) + ')'");
            var live = await Task.WhenAny(evaluation, Task.Delay(TimeSpan.FromSeconds(5))) == evaluation && evaluation.IsCompletedSuccessfully
                ? "the page answers script: " + evaluation.Result
                : "the page did not answer script within 5 s";
            var output = _server.Output;
            var outputFile = kept + ".server.log";
            await File.WriteAllTextAsync(outputFile, output);
            throw new InvalidOperationException($"Failed at {DateTime.UtcNow:HH:mm:ss.fff} UTC on {Page.Url}, step: {_step}; {live} (screenshot: {shot}); problems so far: {string.Join("; ", Problems)}\n"
                + $"Browser console (end):\n{string.Join('\n', _browserLog)}\n"
                + $"Server output (whole: {outputFile}; end):\n{output[Math.Max(0, output.Length - 4000)..]}", e);
        }
    }

    /// <summary>Fails the test with every recorded problem.</summary>
    public void AssertClean()
    {
        var problems = Problems;
        Assert.True(problems.Count == 0, "The console misbehaved:\n" + string.Join('\n', problems));
    }

    /// <summary>Saves a PNG of the page when <c>CONSOLE_SCREENSHOTS</c> names a folder (the README's pictures come from here).</summary>
    public async Task ScreenshotAsync(string name)
    {
        var folder = Environment.GetEnvironmentVariable("CONSOLE_SCREENSHOTS");
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
            await Page.EvaluateAsync("() => window.scrollTo(0, 0)");
            await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name + ".png"), FullPage = false });
        }
    }

    private void CheckHost(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is "data" or "blob" or "about")
        {
            return;
        }
        if (!string.Equals(uri.Authority, _server.Authority, StringComparison.OrdinalIgnoreCase))
        {
            Record($"request to another host: {url}");
        }
    }

    private void Record(string problem)
    {
        lock (_problems)
        {
            _problems.Add(problem);
        }
    }

    public async ValueTask DisposeAsync() => await _context.CloseAsync();
}
