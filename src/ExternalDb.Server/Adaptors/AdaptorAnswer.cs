namespace ExternalDb.Server.Adaptors;

/// <summary>A raw adaptor answer: its status and body (read within the call's bound).</summary>
internal sealed record AdaptorAnswer(int Status, ReadOnlyMemory<byte> Body);
