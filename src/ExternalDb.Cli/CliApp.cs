using System.CommandLine;
using System.CommandLine.Invocation;
using System.Text.Json;
using ExternalDb.Client;

namespace ExternalDb.Cli;

/// <summary>
/// The <c>extdb</c> command line: connections, collections, items, import and export against an ExternalDb server.
/// Exit codes: 0 success, 1 the server or the network refused, 2 a usage error.
/// </summary>
public static class CliApp
{
    /// <summary>The server used when neither <c>--url</c> nor <c>EXTERNALDB_URL</c> is given.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <summary>Runs <c>extdb</c> with <paramref name="args"/>.</summary>
    /// <param name="args">The command line.</param>
    /// <param name="stdout">Where results go; the process's standard output when null.</param>
    /// <param name="stderr">Where errors and progress go; the process's standard error when null.</param>
    /// <param name="environment">Reads environment variables; <see cref="Environment.GetEnvironmentVariable(string)"/> when null.</param>
    /// <param name="ct">Cancels the command.</param>
    /// <returns>The exit code.</returns>
    public static async Task<int> RunAsync(
        string[] args,
        TextWriter? stdout = null,
        TextWriter? stderr = null,
        Func<string, string?>? environment = null,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        var console = new CliConsole(stdout, stderr);
        var root = new CommandTree(console, environment ?? Environment.GetEnvironmentVariable).Build();
        var parse = root.Parse(args);
        if (parse.Action is ParseErrorAction)
        {
            foreach (var error in parse.Errors)
            {
                await console.Err.WriteLineAsync("error: " + error.Message).ConfigureAwait(false);
            }
            await console.Err.WriteLineAsync("Run 'extdb --help' for usage.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        var configuration = new InvocationConfiguration { Output = console.Out, Error = console.Err, EnableDefaultExceptionHandler = false };
        return await parse.InvokeAsync(configuration, ct).ConfigureAwait(false);
    }
}

internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;
}

/// <summary>A mistake on the command line found after parsing (bad JSON, bad URL...): exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>What a command runs with: the console, the output mode and a client made on first use.</summary>
internal sealed class Session(CliConsole console, OutputMode output, Uri url, string? apiKey) : IDisposable
{
    private ExternalDbClient? _client;

    public CliConsole Console { get; } = console;

    public OutputMode Output { get; } = output;

    public Uri Url { get; } = url;

    public ExternalDbClient Client => _client ??= new ExternalDbClient(
        new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromMinutes(5) }, apiKey);

    public bool Json => Output == OutputMode.Json;

    public void Dispose() => _client?.Dispose();
}

internal enum OutputMode
{
    Table,
    Json,
}

/// <summary>Builds the command tree; each command's action runs inside <see cref="Run"/>, which maps failures to exit codes.</summary>
internal sealed class CommandTree(CliConsole console, Func<string, string?> environment)
{
    private readonly Option<string?> _url = new("--url")
    {
        Description = $"The ExternalDb server (default: $EXTERNALDB_URL, else {CliApp.DefaultUrl}).",
        Recursive = true,
    };

    private readonly Option<string?> _apiKey = new("--api-key")
    {
        Description = "The API key (default: $EXTERNALDB_API_KEY).",
        Recursive = true,
    };

    private readonly Option<string> _output = CreateOutputOption();

    public RootCommand Build()
    {
        var root = new RootCommand("extdb: manage an ExternalDb server's connections, collections and items.")
        {
            _url,
            _apiKey,
            _output,
        };
        root.Subcommands.Add(ConnectionCommands.Build(this));
        root.Subcommands.Add(CollectionCommands.Build(this));
        root.Subcommands.Add(ItemCommands.Build(this));
        root.Subcommands.Add(ImportCommand.Build(this));
        root.Subcommands.Add(ExportCommand.Build(this));
        return root;
    }

    /// <summary>Sets <paramref name="command"/>'s action to <paramref name="action"/>, run with a session and error handling.</summary>
    public void SetAction(Command command, Func<Session, ParseResult, CancellationToken, Task<int>> action) =>
        command.SetAction((parse, ct) => Run(parse, action, ct));

    private async Task<int> Run(ParseResult parse, Func<Session, ParseResult, CancellationToken, Task<int>> action, CancellationToken ct)
    {
        Uri? url = null;
        try
        {
            url = ResolveUrl(parse.GetValue(_url));
            var apiKey = parse.GetValue(_apiKey) ?? NonEmpty(environment("EXTERNALDB_API_KEY"));
            var output = parse.GetValue(_output) == "json" ? OutputMode.Json : OutputMode.Table;
            using var session = new Session(console, output, url, apiKey);
            return await action(session, parse, ct).ConfigureAwait(false);
        }
        catch (UsageException e)
        {
            await console.Err.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        catch (ExternalDbException e)
        {
            await console.Err.WriteLineAsync(Describe(e)).ConfigureAwait(false);
            return ExitCodes.Failed;
        }
        catch (HttpRequestException e)
        {
            await console.Err.WriteLineAsync($"error: cannot reach the server at {url}: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failed;
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            await console.Err.WriteLineAsync($"error: the server at {url} did not answer in time.").ConfigureAwait(false);
            return ExitCodes.Failed;
        }
        catch (IOException e)
        {
            await console.Err.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
            return ExitCodes.Failed;
        }
        catch (UnauthorizedAccessException e)
        {
            await console.Err.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
            return ExitCodes.Failed;
        }
    }

    /// <summary>The server's message, then its code and the HTTP status, e.g. <c>error: WDE0073: Item ... (code WDE0073, HTTP 404)</c>.</summary>
    public static string Describe(ExternalDbException e)
    {
        var details = e.Code is null ? $"HTTP {e.StatusCode}" : $"code {e.Code}, HTTP {e.StatusCode}";
        var text = $"error: {e.Message} ({details})";
        foreach (var violation in e.FieldViolations)
        {
            text += $"{Environment.NewLine}  {violation.Field}: {violation.Description}";
        }
        return text;
    }

    private Uri ResolveUrl(string? option)
    {
        var text = option ?? NonEmpty(environment("EXTERNALDB_URL")) ?? CliApp.DefaultUrl;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw new UsageException($"'{text}' is not an http or https URL.");
        }
        // A base with a path (https://host/externaldb) must end in '/' for relative API paths to stay under it.
        return url.AbsolutePath.EndsWith('/') ? url : new Uri(url + "/");
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static Option<string> CreateOutputOption()
    {
        var option = new Option<string>("--output", "-o")
        {
            Description = "table (for people) or json (for scripts).",
            DefaultValueFactory = _ => "table",
            Recursive = true,
        };
        option.AcceptOnlyFromAmong("table", "json");
        return option;
    }
}

/// <summary>Parsing helpers shared by the commands.</summary>
internal static class Args
{
    public static System.Text.Json.Nodes.JsonObject? JsonObjectOrNull(string? text, string option)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        try
        {
            return System.Text.Json.Nodes.JsonNode.Parse(text) as System.Text.Json.Nodes.JsonObject
                ?? throw new UsageException($"{option} must be a JSON object, e.g. '{{\"title\": \"Lamp\"}}'.");
        }
        catch (JsonException e)
        {
            throw new UsageException($"{option} is not valid JSON: {e.Message}");
        }
    }

    public static System.Text.Json.Nodes.JsonObject JsonObject(string? text, string option) =>
        JsonObjectOrNull(text, option) ?? throw new UsageException($"{option} is required.");
}
