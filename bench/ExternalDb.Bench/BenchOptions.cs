using System.Globalization;

namespace ExternalDb.Bench;

/// <summary>The command line of the harness; every default is what <c>docs/benchmarks.md</c> was measured with.</summary>
internal sealed record BenchOptions
{
    public const string Usage = """
        ExternalDb.Bench: the reference adaptor over HTTP (V3) against the same statements through the raw driver.

          dotnet run -c Release --project bench/ExternalDb.Bench -- [options]

          --engine sqlite|postgres|mysql|all  engines to measure (default all; mysql runs on a throwaway MariaDB)
          --duration 10s                 measured time per scenario, per concurrency, per path (default 10s)
          --warmup 2s                    unmeasured time before each measured run (default 2s)
          --rows N                       rows seeded in the benchmark collection (default 10000, at least 1600)
          --concurrency 1,16             concurrent request loops (default 1,16)
          --rounds N                     alternating adaptor/raw rounds each run's duration is split into (default 2)
          --pool-sizes 8,10,16,32,100    PostgreSQL: also measure these adaptor pool sizes at the highest concurrency (default none)
          --big-rows N                   rows of the PostgreSQL push-down table (default 1000000; 0 skips it)
          --only TEXT[,TEXT]             measure only the scenarios whose names contain one of these texts ("gateway": the gateway path)
          --adaptor-env NAME=VALUE       an environment variable of the adaptor process (repeatable; e.g. DOTNET_gcServer=0)
          --server-env NAME=VALUE        an environment variable of the ExternalDb server on the gateway path (repeatable)
          --output FILE                  also write the Markdown report to FILE
          --help                         this text

        Durations take ms, s or m (500ms, 10s, 1m); a bare number is seconds.
        """;

    public IReadOnlyList<string> Engines { get; init; } = ["sqlite", "postgres", "mysql"];

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(2);

    public int Rows { get; init; } = 10_000;

    public IReadOnlyList<int> Concurrency { get; init; } = [1, 16];

    public int BigRows { get; init; } = 1_000_000;

    public int Rounds { get; init; } = 2;

    public IReadOnlyList<int> PoolSizes { get; init; } = [];

    public IReadOnlyDictionary<string, string> AdaptorEnvironment { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, string> ServerEnvironment { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<string> Only { get; init; } = [];

    public string? Output { get; init; }

    public bool Help { get; init; }

    /// <summary>Parses the arguments; throws <see cref="ArgumentException"/> with a readable message on a bad one.</summary>
    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name is "--help" or "-h")
            {
                return options with { Help = true };
            }
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{name} needs a value.");
            options = name switch
            {
                "--engine" => options with { Engines = ParseEngines(Value()) },
                "--duration" => options with { Duration = ParseDuration(name, Value()) },
                "--warmup" => options with { Warmup = ParseDuration(name, Value(), allowZero: true) },
                "--rows" => options with { Rows = ParseInt(name, Value(), min: 1600) },
                "--concurrency" => options with { Concurrency = [.. Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(c => ParseInt(name, c, min: 1))] },
                "--big-rows" => options with { BigRows = ParseInt(name, Value(), min: 0) },
                "--adaptor-env" => options with { AdaptorEnvironment = WithVariable(name, options.AdaptorEnvironment, Value()) },
                "--server-env" => options with { ServerEnvironment = WithVariable(name, options.ServerEnvironment, Value()) },
                "--only" => options with { Only = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) },
                "--rounds" => options with { Rounds = ParseInt(name, Value(), min: 1) },
                "--pool-sizes" => options with { PoolSizes = [.. Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(c => ParseInt(name, c, min: 1))] },
                "--output" => options with { Output = Value() },
                _ => throw new ArgumentException($"Unknown option {name}."),
            };
        }
        if (options.Concurrency.Count == 0)
        {
            throw new ArgumentException("--concurrency needs at least one value.");
        }
        return options;
    }

    private static Dictionary<string, string> WithVariable(string name, IReadOnlyDictionary<string, string> variables, string assignment)
    {
        var equals = assignment.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            throw new ArgumentException($"{name} takes NAME=VALUE, not '{assignment}'.");
        }
        return new Dictionary<string, string>(variables) { [assignment[..equals]] = assignment[(equals + 1)..] };
    }

    private static string[] ParseEngines(string value) => value.ToLowerInvariant() switch
    {
        "all" => ["sqlite", "postgres", "mysql"],
        "sqlite" => ["sqlite"],
        "postgres" or "postgresql" => ["postgres"],
        "mysql" or "mariadb" => ["mysql"],
        _ => throw new ArgumentException($"--engine takes sqlite, postgres, mysql or all, not '{value}'."),
    };

    private static int ParseInt(string name, string value, int min) =>
        int.TryParse(value.Replace("_", "", StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min
            ? n
            : throw new ArgumentException($"{name} takes a whole number of at least {min}, not '{value}'.");

    internal static TimeSpan ParseDuration(string name, string value, bool allowZero = false)
    {
        var text = value.Trim().ToLowerInvariant();
        var (number, unit) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 0.001)
            : text.EndsWith('s') ? (text[..^1], 1.0)
            : text.EndsWith('m') ? (text[..^1], 60.0)
            : (text, 1.0);
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) || amount < 0 || (amount == 0 && !allowZero))
        {
            throw new ArgumentException($"{name} takes a duration such as 500ms, 10s or 1m, not '{value}'.");
        }
        return TimeSpan.FromSeconds(amount * unit);
    }
}
