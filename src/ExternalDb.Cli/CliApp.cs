using System.CommandLine;
using System.CommandLine.Invocation;
using System.Text.Json;
using System.Text.Json.Nodes;
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
            // A misspelt command also leaves its parent without one: that second error says nothing new.
            var consequence = parse.UnmatchedTokens.Count > 0 ? "Required command was not provided." : null;
            foreach (var error in parse.Errors.Where(e => e.Message != consequence))
            {
                await console.Err.WriteLineAsync("error: " + error.Message).ConfigureAwait(false);
            }
            foreach (var suggestion in TypoCorrections.For(parse))
            {
                await console.Err.WriteLineAsync(suggestion).ConfigureAwait(false);
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
internal sealed class Session(CliConsole console, OutputMode output, bool outputGiven, Uri url, string? apiKey) : IDisposable
{
    private ExternalDbClient? _client;

    public CliConsole Console { get; } = console;

    public OutputMode Output { get; } = output;

    /// <summary>Whether <c>-o/--output</c> was on the command line (not just its default).</summary>
    public bool OutputGiven { get; } = outputGiven;

    /// <summary>Whether an API key was given (by option or environment).</summary>
    public bool HasApiKey { get; } = apiKey is not null;

    public Uri Url { get; } = url;

    public ExternalDbClient Client => _client ??= new ExternalDbClient(
        new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromMinutes(5) }, apiKey);

    public bool Json => Output == OutputMode.Json;

    /// <summary>Says what a command did: <paramref name="json"/> as a JSON document with <c>-o json</c>, else <paramref name="line"/>.</summary>
    public async Task<int> ReportAsync(object json, string line)
    {
        if (Json)
        {
            await Console.WriteJsonAsync(json).ConfigureAwait(false);
        }
        else
        {
            Console.Line(line);
        }
        return ExitCodes.Ok;
    }

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
        root.Subcommands.Add(IndexCommands.Build(this));
        root.Subcommands.Add(ItemCommands.Build(this));
        root.Subcommands.Add(ImportCommand.Build(this));
        root.Subcommands.Add(ExportCommand.Build(this));
        root.Subcommands.Add(WebhookCommands.Build(this));
        return root;
    }

    /// <summary>Sets <paramref name="command"/>'s action to <paramref name="action"/>, run with a session and error handling.</summary>
    public void SetAction(Command command, Func<Session, ParseResult, CancellationToken, Task<int>> action) =>
        command.SetAction((parse, ct) => Run(parse, action, ct));

    private async Task<int> Run(ParseResult parse, Func<Session, ParseResult, CancellationToken, Task<int>> action, CancellationToken ct)
    {
        Uri? url = null;
        Session? session = null;
        try
        {
            url = ResolveUrl(parse.GetValue(_url), environment);
            var apiKey = parse.GetValue(_apiKey) ?? NonEmpty(environment("EXTERNALDB_API_KEY"));
            var output = parse.GetValue(_output) == "json" ? OutputMode.Json : OutputMode.Table;
            var outputGiven = parse.GetResult(_output) is { Implicit: false };
            session = new Session(console, output, outputGiven, url, apiKey);
            return await action(session, parse, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is UsageException or ExternalDb.DataTransfer.ImportFileException)
        {
            await console.Err.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        catch (ExternalDbException e)
        {
            await console.Err.WriteLineAsync(await ExplainAsync(session, e, ct).ConfigureAwait(false)).ConfigureAwait(false);
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
        finally
        {
            session?.Dispose();
        }
    }

    /// <summary>
    /// <see cref="Describe"/>, with what the server cannot know about the command line: where the key comes from, that
    /// a missing collection's connection does not exist at all, and how collection IDs are written.
    /// </summary>
    private static async Task<string> ExplainAsync(Session? session, ExternalDbException e, CancellationToken ct)
    {
        if (e.StatusCode == 401 && session is { HasApiKey: false })
        {
            return "error: the server requires an API key: pass --api-key or set EXTERNALDB_API_KEY (HTTP 401).";
        }
        if (e.StatusCode == 401)
        {
            return $"error: the server refused the API key given by --api-key or EXTERNALDB_API_KEY: {e.Message} (HTTP 401)";
        }
        if (e.Code != "WDE0025" || session is null || e.ErrorData?["collectionName"] is not JsonValue name || !name.TryGetValue<string>(out var collectionId))
        {
            return Describe(e);
        }
        var slash = collectionId.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
        {
            return Describe(e) + $"{Environment.NewLine}  hint: collection IDs read connectionName/collectionId, e.g. demo/{collectionId}; 'extdb collections list' shows them.";
        }
        var connection = collectionId[..slash];
        try
        {
            await session.Client.ExternalDatabaseConnections.GetExternalDatabaseConnectionAsync(connection, ct).ConfigureAwait(false);
        }
        catch (ExternalDbException lookup) when (lookup.IsNotFound)
        {
            return $"error: there is no connection named '{connection}' (the first part of '{collectionId}'); 'extdb connections list' shows the connections. (code NOT_FOUND, HTTP 404)";
        }
        catch (ExternalDbException)
        {
            // The key may not read connections: the gateway's answer is all there is to say.
        }
        return Describe(e);
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

    /// <summary>The server: <c>--url</c>, else <c>EXTERNALDB_URL</c>, else <see cref="CliApp.DefaultUrl"/>; always ending in '/'.</summary>
    internal static Uri ResolveUrl(string? option, Func<string, string?> environment)
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

    /// <summary>
    /// <c>-o/--output</c> is the output format in every command (as in kubectl or az); files are <c>--output-file</c>.
    /// A file name given to <c>-o</c> out of habit gets an error that says so.
    /// </summary>
    private static Option<string> CreateOutputOption()
    {
        var option = new Option<string>("--output", "-o")
        {
            Description = "The output format: table (for people) or json (for scripts). Files: export --output-file.",
            DefaultValueFactory = _ => "table",
            Recursive = true,
        };
        option.Validators.Add(result =>
        {
            var value = result.Tokens.Count > 0 ? result.Tokens[^1].Value : null;
            if (value is not null and not "table" and not "json")
            {
                result.AddError($"-o/--output is the output format, table or json; '{value}' is neither. " +
                    "To write a file, use export --output-file FILE (or redirect standard output).");
            }
        });
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
