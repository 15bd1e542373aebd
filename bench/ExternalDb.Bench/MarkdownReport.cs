using System.Globalization;
using System.Text;

namespace ExternalDb.Bench;

/// <summary>The Markdown the harness prints as it goes, kept whole for <c>--output</c>.</summary>
internal sealed class MarkdownReport(TextWriter console)
{
    private readonly StringBuilder _text = new();

    public string Text => _text.ToString();

    public void Line(string line = "")
    {
        _text.Append(line).Append('\n');
        console.WriteLine(line);
    }

    public void Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        Line("| " + string.Join(" | ", headers) + " |");
        Line("|" + string.Concat(headers.Select((_, i) => i == 0 ? "---|" : "---:|")));
        foreach (var row in rows)
        {
            Line("| " + string.Join(" | ", row) + " |");
        }
    }

    /// <summary>Progress on the console only (not in the report).</summary>
    public void Progress(string message) => console.WriteLine("    . " + message);

    public static string Ms(double ms) => double.IsNaN(ms) ? "-"
        : ms < 1 ? ms.ToString("0.000", CultureInfo.InvariantCulture)
        : ms < 10 ? ms.ToString("0.00", CultureInfo.InvariantCulture)
        : ms.ToString("0.0", CultureInfo.InvariantCulture);

    public static string Rate(double perSecond) => perSecond.ToString(perSecond < 100 ? "0.0" : "#,0", CultureInfo.InvariantCulture);

    public static string Ratio(double ratio) => double.IsNaN(ratio) || double.IsInfinity(ratio) ? "-" : ratio.ToString("0.00", CultureInfo.InvariantCulture);

    public static string Percent(double share) => double.IsNaN(share) ? "?" : (share * 100).ToString("0", CultureInfo.InvariantCulture);
}
