namespace ExternalDb.TestSupport;

/// <summary>The files of a throwaway server (<see cref="TemporaryPostgres"/>, <see cref="TemporaryMariaDb"/>, a test's ExternalDb server).</summary>
public static class ServerFiles
{
    /// <summary>The server's log for an error message, or a note saying why there is none.</summary>
    public static string ReadLog(string logFile)
    {
        try
        {
            return File.Exists(logFile) ? File.ReadAllText(logFile) : "(no server log was written)";
        }
        catch (IOException e)
        {
            return $"(server log unreadable: {e.Message})";
        }
    }

    /// <summary>Deletes the directory; false when it is still there (best effort: never throws).</summary>
    public static bool TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
