namespace ExternalDb.Server.Storage;

/// <summary>A small secret kept in a file of the data directory, readable and writable by its owner only.</summary>
internal static class PrivateFile
{
    /// <summary>
    /// The trimmed text of <paramref name="path"/>; when the file does not exist, it is made from <paramref name="make"/>
    /// (written whole, flushed to disk, then moved into place, so that a reader never sees half of it). When two
    /// processes race, both use the file that won. <c>Created</c> says whether this call made it.
    /// </summary>
    public static (string Value, bool Created) ReadOrCreate(string path, Func<string> make)
    {
        if (File.Exists(path))
        {
            return (File.ReadAllText(path).Trim(), false);
        }
        Database.CreatePrivateDirectory(Path.GetDirectoryName(path)!);
        var value = make();
        var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Options = FileOptions.WriteThrough };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var stream = new FileStream(temp, fileOptions))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(value);
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }
        try
        {
            File.Move(temp, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temp);
            return (File.ReadAllText(path).Trim(), false);
        }
        return (value, true);
    }
}
