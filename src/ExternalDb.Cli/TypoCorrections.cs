using System.CommandLine;

namespace ExternalDb.Cli;

/// <summary>
/// "Did you mean ...?" for a misspelt command or option. (System.CommandLine's own suggestions cover subcommands
/// only and come with its own wording.)
/// </summary>
internal static class TypoCorrections
{
    /// <summary>One line per unmatched token that is close to a command or option of the command it was typed under.</summary>
    public static IEnumerable<string> For(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        var candidates = command.Subcommands.SelectMany(c => c.Aliases.Prepend(c.Name))
            .Concat(Options(parse).SelectMany(o => o.Aliases.Prepend(o.Name)))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        foreach (var token in parse.UnmatchedTokens.Distinct(StringComparer.Ordinal))
        {
            var best = candidates
                .Select(c => (Candidate: c, Distance: Distance(token, c)))
                .Where(c => c.Distance <= Math.Max(1, c.Candidate.Length / 3))
                .OrderBy(c => c.Distance)
                .ThenBy(c => c.Candidate, StringComparer.Ordinal)
                .Select(c => c.Candidate)
                .FirstOrDefault();
            if (best is not null)
            {
                yield return $"Did you mean '{best}' instead of '{token}'?";
            }
        }
    }

    /// <summary>The options valid where the command stands: its own and the recursive ones of its parents.</summary>
    private static IEnumerable<Option> Options(ParseResult parse)
    {
        for (var result = parse.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            foreach (var option in result.Command.Options.Where(o => result == parse.CommandResult || o.Recursive))
            {
                yield return option;
            }
        }
    }

    /// <summary>Optimal string alignment distance: edits, counting a swap of two neighbours as one.</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }
        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }
        return d[a.Length, b.Length];
    }
}
