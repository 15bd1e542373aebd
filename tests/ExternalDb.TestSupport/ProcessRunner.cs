using System.Diagnostics;
using System.Text;

namespace ExternalDb.TestSupport;

/// <summary>The outcome of one finished child process.</summary>
/// <param name="ExitCode">The process's exit code.</param>
/// <param name="StandardOutput">Everything it wrote to standard output.</param>
/// <param name="StandardError">Everything it wrote to standard error.</param>
public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>The exit code and both outputs, for an assertion message.</summary>
    public string Describe() =>
        $"exit code {ExitCode}" +
        (StandardOutput.Length > 0 ? $"\n--- stdout ---\n{StandardOutput.TrimEnd()}" : "") +
        (StandardError.Length > 0 ? $"\n--- stderr ---\n{StandardError.TrimEnd()}" : "");
}

/// <summary>Runs a command to completion, optionally as another user through <c>runuser</c>.</summary>
public static class ProcessRunner
{
    /// <summary>
    /// Runs <paramref name="fileName"/> with <paramref name="arguments"/> (no shell), standard input closed, in the C
    /// locale, and kills it (with its children) after <paramref name="timeout"/>.
    /// </summary>
    /// <param name="fileName">The program, found on <c>PATH</c> when not a path.</param>
    /// <param name="arguments">Its arguments, each passed as it is.</param>
    /// <param name="asUser">Runs it as this user through <c>runuser</c>; null runs it as the current user.</param>
    /// <param name="timeout">How long it may run.</param>
    /// <param name="ct">Cancels the wait and kills the process.</param>
    /// <param name="workingDirectory">Its working directory; null keeps the current one.</param>
    /// <param name="environment">Variables to set (or, with a null value, remove) in its environment.</param>
    /// <exception cref="InvalidOperationException">The program could not be started (e.g. it is not installed).</exception>
    /// <exception cref="TimeoutException">It did not finish within <paramref name="timeout"/>.</exception>
    public static async Task<ProcessResult> RunAsync(
        string fileName, IEnumerable<string> arguments, string? asUser, TimeSpan timeout, CancellationToken ct,
        string? workingDirectory = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var info = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (workingDirectory is not null)
        {
            info.WorkingDirectory = workingDirectory;
        }
        if (asUser is null)
        {
            info.FileName = fileName;
        }
        else
        {
            info.FileName = "runuser";
            info.ArgumentList.Add("-u");
            info.ArgumentList.Add(asUser);
            info.ArgumentList.Add("--");
            info.ArgumentList.Add(fileName);
        }
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        // A predictable locale: initdb refuses some inherited ones and messages stay in English.
        info.Environment["LC_ALL"] = "C";
        info.Environment["LANG"] = "C";
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            info.Environment[name] = value;
        }

        using var process = new Process { StartInfo = info };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (stdout) { stdout.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (stderr) { stderr.AppendLine(e.Data); } } };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"Could not start '{info.FileName}': {e.Message}", e);
        }
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeoutSource.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(timeoutSource.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            ct.ThrowIfCancellationRequested();
            throw new TimeoutException(
                $"'{fileName} {string.Join(' ', arguments)}' did not finish within {timeout.TotalSeconds:0} s.\n{Snapshot(stdout)}\n{Snapshot(stderr)}");
        }
        return new ProcessResult(process.ExitCode, Snapshot(stdout), Snapshot(stderr));
    }

    private static string Snapshot(StringBuilder builder)
    {
        lock (builder)
        {
            return builder.ToString();
        }
    }
}
