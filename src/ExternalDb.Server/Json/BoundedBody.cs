using System.Buffers;

namespace ExternalDb.Server.Json;

/// <summary>
/// Reads a body that comes from outside (a request, an adaptor's answer) up to a bound, without trusting its declared
/// length: a larger one is refused as soon as that is known, before it is read whole.
/// </summary>
internal static class BoundedBody
{
    private const int ChunkSize = 16 * 1024;
    private const int InitialCapacityLimit = 1024 * 1024;

    /// <summary>The bytes of <paramref name="stream"/>, or null when it holds (or declares) more than <paramref name="maxBytes"/>.</summary>
    public static async Task<ReadOnlyMemory<byte>?> ReadAsync(Stream stream, long? declaredLength, int maxBytes, CancellationToken ct)
    {
        if (declaredLength > maxBytes)
        {
            return null;
        }
        // The declared length sizes the buffer only up to a point: a peer may declare much and send nothing.
        using var buffer = new MemoryStream((int)Math.Min(declaredLength ?? 0, InitialCapacityLimit));
        var chunk = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(chunk.AsMemory(0, ChunkSize), ct)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    return null;
                }
                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
        return new ReadOnlyMemory<byte>(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
