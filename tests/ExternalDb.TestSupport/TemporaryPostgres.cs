using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;

namespace ExternalDb.TestSupport;

/// <summary>
/// A throwaway PostgreSQL cluster for tests: a fresh data directory under the temp folder, a free
/// TCP port on 127.0.0.1, trust authentication for the <c>postgres</c> superuser, durability off.
/// Disposing it stops the server (<c>pg_ctl stop -m immediate</c>) and deletes the directory.
/// </summary>
/// <remarks>
/// Needs the PostgreSQL server binaries (<c>initdb</c>, <c>pg_ctl</c>, <c>postgres</c>) on <c>PATH</c>
/// or under <c>/usr/lib/postgresql/*/bin</c>; without them <see cref="StartAsync"/> throws, so tests
/// that need a database fail rather than pass silently. <c>initdb</c> refuses to run as root: when the
/// test process is root, the directory is given to the <c>postgres</c> user and every command runs
/// through <c>runuser -u postgres --</c>.
/// </remarks>
public sealed partial class TemporaryPostgres : IAsyncDisposable
{
    private const string ServiceUser = "postgres";
    private const int PortAttempts = 5;
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(90);

    private readonly string _root;
    private readonly string _dataDirectory;
    private readonly string _pgCtl;
    private readonly string? _runAs;
    private int _disposed;

    private TemporaryPostgres(string root, string pgCtl, string? runAs, int port)
    {
        _root = root;
        _dataDirectory = Path.Combine(root, "data");
        _pgCtl = pgCtl;
        _runAs = runAs;
        Port = port;
        ConnectionString = BuildConnectionString(port, "postgres");
    }

    /// <summary>The TCP port the server listens on (on 127.0.0.1 only).</summary>
    public int Port { get; }

    /// <summary>Npgsql connection string to the <c>postgres</c> database as the <c>postgres</c> superuser.</summary>
    public string ConnectionString { get; }

    /// <summary>
    /// Creates a cluster and starts it. Retries with another port when the chosen one is taken
    /// between probing and binding.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// The binaries are missing, or initdb / pg_ctl failed; the message holds their output and the server log.
    /// </exception>
    public static async Task<TemporaryPostgres> StartAsync(CancellationToken ct = default)
    {
        var initdb = FindBinary("initdb");
        var pgCtl = FindBinary("pg_ctl");
        var runAs = IsRoot() ? ServiceUser : null;

        var root = Path.Combine(Path.GetTempPath(), "extdb-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        var started = false;
        try
        {
            if (runAs is not null)
            {
                await RunCheckedAsync("chown", ["-R", runAs, root], null, "chown of the temp directory", ct).ConfigureAwait(false);
            }
            var dataDirectory = Path.Combine(root, "data");
            await RunCheckedAsync(initdb,
                ["-D", dataDirectory, "-A", "trust", "-U", ServiceUser, "--no-sync", "-E", "UTF8", "--locale=C"],
                runAs, "initdb", ct).ConfigureAwait(false);

            var logFile = Path.Combine(root, "server.log");
            for (var attempt = 1; ; attempt++)
            {
                var port = FreePort.Get();
                var options = string.Create(CultureInfo.InvariantCulture,
                    $"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200");
                var result = await ProcessRunner.RunAsync(pgCtl,
                    ["-D", dataDirectory, "-l", logFile, "-w", "-t", "60", "-o", options, "start"],
                    runAs, CommandTimeout, ct).ConfigureAwait(false);
                if (result.ExitCode == 0)
                {
                    started = true;
                    return new TemporaryPostgres(root, pgCtl, runAs, port);
                }
                var log = ServerFiles.ReadLog(logFile);
                if (attempt < PortAttempts && IsPortCollision(log))
                {
                    continue;
                }
                throw new InvalidOperationException(
                    $"pg_ctl start failed (port {port}, attempt {attempt}): {result.Describe()}\n--- server log ({logFile}) ---\n{log}");
            }
        }
        finally
        {
            if (!started)
            {
                ServerFiles.TryDelete(root);
            }
        }
    }

    /// <summary>Creates an empty database and returns a connection string to it.</summary>
    /// <param name="name">A plain identifier: letters, digits and underscores, not starting with a digit, at most 63 characters.</param>
    [SuppressMessage("Security", "CA2100:Review SQL queries for security vulnerabilities",
        Justification = "The database name is checked against a plain-identifier pattern and quoted.")]
    public async Task<string> CreateDatabaseAsync(string name)
    {
        if (!IdentifierPattern().IsMatch(name))
        {
            throw new ArgumentException($"'{name}' is not a plain identifier (letters, digits, _; at most 63).", nameof(name));
        }
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync().ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        return BuildConnectionString(Port, name);
    }

    /// <summary>Stops the server at once and deletes its directory. Safe to call more than once.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        try
        {
            await ProcessRunner.RunAsync(_pgCtl, ["-D", _dataDirectory, "-m", "immediate", "-w", "-t", "30", "stop"],
                _runAs, CommandTimeout, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            // Server processes can still be removing their files for a moment after pg_ctl returns,
            // which makes a recursive delete fail with "directory not empty": retry briefly.
            for (var attempt = 0; attempt < 20 && !ServerFiles.TryDelete(_root); attempt++)
            {
                await Task.Delay(100).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Stops the server and deletes the directory from a <c>ProcessExit</c> handler. A test host may be
    /// killed moments after its tests end, so the work goes to a detached shell that outlives it
    /// (<c>setsid sh -c 'pg_ctl stop -m immediate; rm -rf DIR'</c>) and this method returns at once.
    /// </summary>
    internal void StopAtProcessExit()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
        var stop = (_runAs is null ? "" : $"runuser -u {_runAs} -- ") + $"{Quote(_pgCtl)} -D {Quote(_dataDirectory)} -m immediate -w -t 30 stop";
        var script = $"{stop} >/dev/null 2>&1; rm -rf {Quote(_root)}";
        try
        {
            var info = new System.Diagnostics.ProcessStartInfo
            {
                FileName = File.Exists("/usr/bin/setsid") ? "/usr/bin/setsid" : "/bin/sh",
                UseShellExecute = false,
            };
            if (info.FileName != "/bin/sh")
            {
                info.ArgumentList.Add("/bin/sh");
            }
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add(script);
            using var _ = System.Diagnostics.Process.Start(info);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Best effort at exit.
        }
    }

    private static string BuildConnectionString(int port, string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = port,
        Username = ServiceUser,
        Database = database,
        IncludeErrorDetail = true,
    }.ConnectionString;

    private static async Task RunCheckedAsync(string fileName, string[] arguments, string? runAs, string what, CancellationToken ct)
    {
        var result = await ProcessRunner.RunAsync(fileName, arguments, runAs, CommandTimeout, ct).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{what} failed: {fileName} {string.Join(' ', arguments)}: {result.Describe()}");
        }
    }

    private static string FindBinary(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        var candidates = path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .Concat(Directory.Exists("/usr/lib/postgresql")
                ? Directory.GetDirectories("/usr/lib/postgresql").OrderDescending(StringComparer.Ordinal)
                    .Select(version => Path.Combine(version, "bin", name))
                : []);
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException(
                $"PostgreSQL server binary '{name}' was not found on PATH or under /usr/lib/postgresql/*/bin. " +
                "Install the PostgreSQL server (e.g. apt-get install postgresql) to run tests that need a database.");
    }

    private static bool IsRoot() =>
        string.Equals(Environment.UserName, "root", StringComparison.Ordinal)
        || string.Equals(Environment.GetEnvironmentVariable("USER"), "root", StringComparison.Ordinal) && OperatingSystem.IsLinux();

    private static bool IsPortCollision(string log) =>
        log.Contains("could not bind", StringComparison.OrdinalIgnoreCase)
        || log.Contains("Address already in use", StringComparison.OrdinalIgnoreCase)
        || log.Contains("could not create any TCP/IP sockets", StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,62}$")]
    private static partial Regex IdentifierPattern();
}
