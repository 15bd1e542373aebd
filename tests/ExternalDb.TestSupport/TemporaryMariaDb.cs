using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.RegularExpressions;
using MySqlConnector;

namespace ExternalDb.TestSupport;

/// <summary>
/// A throwaway MariaDB server for tests: a fresh data directory under the temp folder initialised with
/// <c>mariadb-install-db</c>, a free TCP port on 127.0.0.1, its socket in that directory, <c>root</c> without a
/// password, durability off. Disposing it kills the server and deletes the directory.
/// </summary>
/// <remarks>
/// Needs Debian's <c>mariadb-server</c> package (<c>mariadb-install-db</c>, <c>mariadbd</c>), which <c>.ci/run</c>
/// installs when it is missing; without it <see cref="StartAsync"/> throws with that advice, so tests that need the
/// server fail instead of passing silently. The server runs as the current user (<c>--user=root</c> when that is root).
/// A watchdog shell kills it and deletes the directory when the test process ends, however it ends.
/// </remarks>
public sealed partial class TemporaryMariaDb : IAsyncDisposable
{
    private const int PortAttempts = 5;
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly string _root;
    private readonly Process _server;
    private readonly Process? _watchdog;
    private int _disposed;

    private TemporaryMariaDb(string root, Process server, Process? watchdog, int port, string version)
    {
        _root = root;
        _server = server;
        _watchdog = watchdog;
        Port = port;
        Version = version;
        ConnectionString = BuildConnectionString(port, null);
    }

    /// <summary>The TCP port the server listens on (on 127.0.0.1 only).</summary>
    public int Port { get; }

    /// <summary>The process id of <c>mariadbd</c> (a benchmark counts its CPU).</summary>
    public int ServerProcessId => _server.Id;

    /// <summary>The server's version string, e.g. <c>10.11.6-MariaDB-0+deb12u1</c>.</summary>
    public string Version { get; }

    /// <summary>MySqlConnector connection string as <c>root</c>, without a database.</summary>
    public string ConnectionString { get; }

    /// <summary>Creates a data directory and starts a server on it. Retries with another port when the chosen one is taken.</summary>
    /// <exception cref="InvalidOperationException">
    /// The binaries are missing, or installing or starting failed; the message holds their output and the server log.
    /// </exception>
    public static async Task<TemporaryMariaDb> StartAsync(CancellationToken ct = default)
    {
        var installDb = FindBinary("mariadb-install-db", "mysql_install_db");
        var serverBinary = FindBinary("mariadbd", "mysqld");
        var user = Environment.UserName;

        var root = Path.Combine(Path.GetTempPath(), "extdb-mariadb-" + Guid.NewGuid().ToString("N")[..12]);
        var dataDirectory = Path.Combine(root, "data");
        Directory.CreateDirectory(root);
        var started = false;
        try
        {
            // Its own tmpdir, as the server's: installs sharing /tmp failed at random deleting each other's temporary tables.
            var install = await ProcessRunner.RunAsync(installDb,
                ["--no-defaults", $"--datadir={dataDirectory}", $"--user={user}", "--auth-root-authentication-method=normal", "--skip-test-db",
                 "--innodb-log-file-size=16M", $"--tmpdir={root}"],
                null, CommandTimeout, ct).ConfigureAwait(false);
            if (install.ExitCode != 0)
            {
                throw new InvalidOperationException($"mariadb-install-db failed: {install.Describe()}");
            }
            var logFile = Path.Combine(root, "server.log");
            for (var attempt = 1; ; attempt++)
            {
                var port = FreePort.Get();
                var server = StartServer(serverBinary, root, dataDirectory, logFile, port, user);
                var watchdog = StartWatchdog(root, server.Id);
                try
                {
                    var version = await WaitUntilReadyAsync(server, port, dataDirectory, logFile, ct).ConfigureAwait(false);
                    if (version is not null)
                    {
                        started = true;
                        return new TemporaryMariaDb(root, server, watchdog, port, version);
                    }
                    // Another server took the port first (two starts may draw the same free port); try another.
                    Stop(server, watchdog);
                    if (attempt == PortAttempts)
                    {
                        throw new InvalidOperationException($"mariadbd found port {port} taken by another server {PortAttempts} times in a row.");
                    }
                }
                catch (InvalidOperationException) when (attempt < PortAttempts && server.HasExited && IsPortCollision(ServerFiles.ReadLog(logFile)))
                {
                    Stop(server, watchdog);
                }
                catch
                {
                    Stop(server, watchdog);
                    throw;
                }
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
    /// <param name="name">A plain identifier: letters, digits and underscores, not starting with a digit, at most 64 characters.</param>
    [SuppressMessage("Security", "CA2100:Review SQL queries for security vulnerabilities",
        Justification = "The database name is checked against a plain-identifier pattern and quoted.")]
    public async Task<string> CreateDatabaseAsync(string name)
    {
        if (!IdentifierPattern().IsMatch(name))
        {
            throw new ArgumentException($"'{name}' is not a plain identifier (letters, digits, _; at most 64).", nameof(name));
        }
        await using var connection = new MySqlConnection(ConnectionString);
        await connection.OpenAsync().ConfigureAwait(false);
        await using var command = new MySqlCommand($"CREATE DATABASE `{name}`", connection);
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        return BuildConnectionString(Port, name);
    }

    /// <summary>Kills the server and deletes its directory. Safe to call more than once.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        Stop(_server, _watchdog);
        MySqlConnection.ClearAllPools();
        for (var attempt = 0; attempt < 20 && !ServerFiles.TryDelete(_root); attempt++)
        {
            await Task.Delay(100).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Kills the server from a <c>ProcessExit</c> handler and returns at once: the watchdog deletes the directory when
    /// this process is gone (a test host may be killed moments after its tests end).
    /// </summary>
    internal void StopAtProcessExit()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        try
        {
            _server.Kill();
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static Process StartServer(string binary, string root, string dataDirectory, string logFile, int port, string user)
    {
        var info = new ProcessStartInfo
        {
            FileName = binary,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        // Its own tmpdir: servers sharing /tmp (where killed servers leave their internal temporary tables behind)
        // segfaulted in our runs dropping an internal temporary table (MariaDB 10.11, ha_maria::drop_table).
        foreach (var argument in new[]
                 {
                     "--no-defaults", $"--datadir={dataDirectory}", $"--port={port}", "--bind-address=127.0.0.1",
                     $"--socket={Path.Combine(root, "mysqld.sock")}", $"--pid-file={Path.Combine(root, "mysqld.pid")}", $"--log-error={logFile}", $"--tmpdir={root}",
                     $"--user={user}", "--skip-name-resolve", "--skip-log-bin", "--max-connections=1000",
                     // A server's own defaults (case-insensitive utf8mb4), so the tests show the adaptor does not depend on them.
                     "--character-set-server=utf8mb4", "--collation-server=utf8mb4_general_ci",
                     "--innodb-buffer-pool-size=64M", "--innodb-log-file-size=16M", "--innodb-flush-log-at-trx-commit=0", "--innodb-doublewrite=0",
                 })
        {
            info.ArgumentList.Add(argument);
        }
        info.Environment["LC_ALL"] = "C";
        var process = new Process { StartInfo = info };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            process.Dispose();
            throw new InvalidOperationException($"Could not start '{binary}': {e.Message}", e);
        }
        process.StandardInput.Close();
        // Everything goes to --log-error; drain the pipes so the server never blocks on them.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>
    /// A detached shell that waits for this process to end and then kills the server (only if it is still that server)
    /// and deletes the directory: a test host is sometimes killed right after its tests, before any handler runs.
    /// </summary>
    private static Process? StartWatchdog(string root, int serverPid)
    {
        static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
        var script = string.Create(CultureInfo.InvariantCulture,
            $"while kill -0 {Environment.ProcessId} 2>/dev/null; do sleep 1; done; " +
            $"grep -qF {Quote(root)} /proc/{serverPid}/cmdline 2>/dev/null && kill -9 {serverPid}; rm -rf {Quote(root)}");
        var info = new ProcessStartInfo
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
        try
        {
            return Process.Start(info);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    /// <summary>The version once the server answers on <paramref name="port"/>, or null when another server answers there.</summary>
    private static async Task<string?> WaitUntilReadyAsync(Process server, int port, string dataDirectory, string logFile, CancellationToken ct)
    {
        var probe = new MySqlConnectionStringBuilder(BuildConnectionString(port, null)) { ConnectionTimeout = 2, Pooling = false }.ConnectionString;
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            if (server.HasExited)
            {
                throw new InvalidOperationException(
                    $"mariadbd exited with code {server.ExitCode} before it accepted connections (port {port}).\n--- server log ({logFile}) ---\n{ServerFiles.ReadLog(logFile)}");
            }
            try
            {
                await using var connection = new MySqlConnection(probe);
                await connection.OpenAsync(ct).ConfigureAwait(false);
                await using var command = new MySqlCommand("SELECT @@datadir", connection);
                var answering = Convert.ToString(await command.ExecuteScalarAsync(ct).ConfigureAwait(false), CultureInfo.InvariantCulture) ?? "";
                return Path.TrimEndingDirectorySeparator(answering) == Path.TrimEndingDirectorySeparator(dataDirectory) ? connection.ServerVersion : null;
            }
            catch (MySqlException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, ct).ConfigureAwait(false);
            }
            catch (MySqlException e)
            {
                throw new InvalidOperationException(
                    $"mariadbd did not accept connections within {StartTimeout.TotalSeconds:0} s (port {port}): {e.Message}\n--- server log ({logFile}) ---\n{ServerFiles.ReadLog(logFile)}", e);
            }
        }
    }

    private static void Stop(Process server, Process? watchdog)
    {
        try
        {
            if (!server.HasExited)
            {
                server.Kill();
                server.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        server.Dispose();
        if (watchdog is not null)
        {
            try
            {
                if (!watchdog.HasExited)
                {
                    watchdog.Kill();
                }
            }
            catch (InvalidOperationException)
            {
            }
            watchdog.Dispose();
        }
    }

    private static string BuildConnectionString(int port, string? database)
    {
        var builder = new MySqlConnectionStringBuilder { Server = "127.0.0.1", Port = (uint)port, UserID = "root" };
        if (database is not null)
        {
            builder.Database = database;
        }
        return builder.ConnectionString;
    }

    private static string FindBinary(params string[] names)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        var directories = path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Concat(["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"]);
        return names.SelectMany(name => directories.Select(directory => Path.Combine(directory, name))).FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException(
                $"MariaDB server binary '{names[0]}' was not found on PATH or in /usr/sbin. Install Debian's mariadb-server package " +
                "(apt-get install mariadb-server; .ci/run does it when it runs as root) to run the tests of the adaptor's mysql engine.");
    }

    private static bool IsPortCollision(string log) =>
        log.Contains("Address already in use", StringComparison.OrdinalIgnoreCase) || log.Contains("Bind on TCP/IP port", StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,63}$")]
    private static partial Regex IdentifierPattern();
}
