using ExternalDb.Client;
using ExternalDb.TestSupport;

namespace ExternalDb.Server.Tests.Infrastructure;

public static class Counters
{
    /// <summary>Raises <paramref name="target"/> to <paramref name="value"/> if that is more, atomically (the most seen at once).</summary>
    public static void RaiseTo(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}

public static class Names
{
    /// <summary>A connection name no other test uses.</summary>
    public static string New(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 255)];
}

public static class Ports
{
    /// <summary>An endpoint on a loopback port nobody listens on.</summary>
    public static string ClosedEndpoint() => $"http://127.0.0.1:{FreePort.Get()}";

    /// <summary>A loopback port that was free a moment ago.</summary>
    public static int Free() => FreePort.Get();
}

public static class StatusAssert
{
    /// <summary>A failed check: the cause, collections unknown, protocol unknown, and a sentence saying why.</summary>
    public static void Failed(ExternalDatabaseConnection connection, CauseOfFailure cause)
    {
        var status = connection.ConnectionStatus;
        Assert.NotNull(status);
        Assert.True(cause == status.CauseOfFailure, $"Expected {cause}, got {status.CauseOfFailure}: {status.Message}");
        Assert.False(status.Successful);
        Assert.Equal(CollectionsFound.Unknown, status.HasCollections);
        Assert.Equal(ProtocolVersion.Unknown, connection.ProtocolVersion);
        Sentence(status.Message);
    }

    /// <summary>A successful check.</summary>
    public static void Succeeded(ExternalDatabaseConnection connection, ProtocolVersion version, CollectionsFound collections)
    {
        var status = connection.ConnectionStatus;
        Assert.NotNull(status);
        Assert.True(status.Successful, $"Expected success, got {status.CauseOfFailure}: {status.Message}");
        Assert.Equal(CauseOfFailure.None, status.CauseOfFailure);
        Assert.Equal(collections, status.HasCollections);
        Assert.Equal(version, connection.ProtocolVersion);
    }

    /// <summary>A human sentence: starts with a capital, has words, ends with a full stop.</summary>
    public static void Sentence(string? message)
    {
        Assert.False(string.IsNullOrWhiteSpace(message), "connectionStatus.message is empty");
        Assert.True(char.IsUpper(message[0]), $"Not a sentence: '{message}'");
        Assert.Contains(' ', message);
        Assert.True(message.TrimEnd().EndsWith('.'), $"Not a sentence: '{message}'");
    }
}
