using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ExternalDb.Client;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace ExternalDb.Cli;

/// <summary>Standard output (results) and standard error (errors, progress), plain or through Spectre.Console.</summary>
internal sealed class CliConsole
{
    /// <summary>Indented JSON for people and scripts; non-ASCII letters and quotes stay readable (never <c>\u00D1</c>).</summary>
    public static readonly JsonSerializerOptions Json = DataTransferJson.Indented;

    /// <summary>The same conventions on one line (JSON lines, cells, CSV).</summary>
    public static readonly JsonSerializerOptions CompactJson = DataTransferJson.Compact;

    public CliConsole(TextWriter? stdout, TextWriter? stderr)
    {
        Out = stdout ?? System.Console.Out;
        Err = stderr ?? System.Console.Error;
        OutIsTerminal = stdout is null && !System.Console.IsOutputRedirected;
        ErrIsTerminal = stderr is null && !System.Console.IsErrorRedirected;
        Stdout = CreateConsole(Out, OutIsTerminal);
        Stderr = CreateConsole(Err, ErrIsTerminal);
    }

    public TextWriter Out { get; }

    public TextWriter Err { get; }

    /// <summary>Whether standard output is an interactive terminal (not redirected, not captured).</summary>
    public bool OutIsTerminal { get; }

    /// <summary>Whether standard error is an interactive terminal: live progress bars go there, else plain lines.</summary>
    public bool ErrIsTerminal { get; }

    public IAnsiConsole Stdout { get; }

    public IAnsiConsole Stderr { get; }

    /// <summary>Writes <paramref name="value"/> as one indented JSON document.</summary>
    public async Task WriteJsonAsync<T>(T value)
    {
        await Out.WriteLineAsync(JsonSerializer.Serialize(value, Json)).ConfigureAwait(false);
        await Out.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>Draws a table or grid; when the output is not a terminal, without the padding that would end each line in spaces.</summary>
    public void Render(IRenderable renderable)
    {
        if (OutIsTerminal)
        {
            Stdout.Write(renderable);
            return;
        }
        using var buffer = new StringWriter(CultureInfo.InvariantCulture);
        CreateConsole(buffer, terminal: false).Write(renderable);
        var lines = buffer.ToString().Split('\n');
        var count = lines.Length > 0 && lines[^1].Length == 0 ? lines.Length - 1 : lines.Length;
        for (var i = 0; i < count; i++)
        {
            Out.WriteLine(lines[i].TrimEnd());
        }
        Out.Flush();
    }

    public void Line(string text) => Stdout.WriteLine(text);

    /// <summary>A table whose cells are plain text (never markup, so values cannot break the layout).</summary>
    public static Table Table(params string[] columns)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in columns)
        {
            table.AddColumn(new TableColumn(new Text(column, new Style(decoration: Decoration.Bold))));
        }
        return table;
    }

    public static void AddRow(Table table, params string?[] cells) =>
        table.AddRow([.. cells.Select(c => (IRenderable)new Text(c ?? ""))]);

    /// <summary>A two-column property sheet.</summary>
    public static Grid Properties(IEnumerable<(string Name, string? Value)> rows)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap().PadRight(2)).AddColumn();
        foreach (var (name, value) in rows)
        {
            grid.AddRow(new Text(name, new Style(decoration: Decoration.Bold)), new Text(value ?? ""));
        }
        return grid;
    }

    /// <summary>A JSON value as a table cell: strings raw, <c>$date</c> objects as ISO text, anything else as JSON.</summary>
    public static string Cell(JsonNode? node) => ExternalDb.DataTransfer.DataTransferJson.Cell(node);

    public static string Date(DateTimeOffset? date) =>
        date?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "";

    private static IAnsiConsole CreateConsole(TextWriter writer, bool terminal)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!terminal)
        {
            // Captured or redirected output has no width; keep tables from wrapping at 80 columns.
            console.Profile.Width = 200;
        }
        return console;
    }
}
