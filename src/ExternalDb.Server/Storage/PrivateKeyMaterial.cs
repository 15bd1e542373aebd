namespace ExternalDb.Server.Storage;

/// <summary>A private key kept as its own type so that it is never printed or serialized by accident.</summary>
internal sealed class PrivateKeyMaterial(byte[] pkcs8)
{
    public byte[] Pkcs8 { get; } = pkcs8;

    public override string ToString() => "[private key]";
}
