using System.Security.Cryptography;
using System.Text.Json.Nodes;
using ExternalDb.Server.Gateway;
using ExternalDb.Server.Storage;
using Microsoft.Extensions.Options;

namespace ExternalDb.Server.Tests;

/// <summary>The gateway's cursors are signed with a key derived from the registry's encryption key.</summary>
public sealed class GatewayCursorTests
{
    private const string Field = "query.cursorPaging.cursor";
    private static readonly JsonObject Request = new() { ["filter"] = new JsonObject { ["title"] = "a" } };

    [Fact]
    public void Servers_sharing_the_encryption_key_accept_each_others_cursors()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var cursor = Cursors(key).Encode("shop/things", "query", Request, 20, 10);

        var (request, offset, limit) = Cursors(key).Decode(cursor, "shop/things", "query", Field);

        Assert.True(JsonNode.DeepEquals(Request, request));
        Assert.Equal((20, 10), (offset, limit));
    }

    [Fact]
    public void A_tampered_forged_or_foreign_cursor_is_a_400_naming_the_cursor()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var cursors = Cursors(key);
        var cursor = cursors.Encode("shop/things", "query", Request, 20, 10);
        var tampered = (cursor[0] == 'e' ? 'f' : 'e') + cursor[1..];
        var otherKey = Cursors(RandomNumberGenerator.GetBytes(32)).Encode("shop/things", "query", Request, 20, 10);
        var unsigned = cursor[..cursor.IndexOf('.', StringComparison.Ordinal)];

        foreach (var bad in new[] { tampered, otherKey, unsigned, "garbage", "" })
        {
            var e = Assert.Throws<GatewayException>(() => cursors.Decode(bad, "shop/things", "query", Field));
            Assert.Equal(400, e.Status);
            Assert.Equal(Field, Assert.Single(e.Violations!).Field);
        }
        Assert.Throws<GatewayException>(() => cursors.Decode(cursor, "shop/other", "query", Field));
        Assert.Throws<GatewayException>(() => cursors.Decode(cursor, "shop/things", "aggregate", Field));
    }

    private static GatewayCursors Cursors(byte[] key) => new(new SecretProtector(Options.Create(new StorageOptions
    {
        DataDirectory = Path.GetTempPath(),
        EncryptionKey = Convert.ToBase64String(key),
    })));
}
