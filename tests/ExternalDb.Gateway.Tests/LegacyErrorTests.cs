using System.Text;
using ExternalDb.Protocol;
using ExternalDb.Server.Adaptors;
using ExternalDb.Server.Adaptors.Legacy;
using ExternalDb.Server.Gateway;
using static ExternalDb.Gateway.Tests.LegacyHarness;

namespace ExternalDb.Gateway.Tests;

public sealed class LegacyErrorTests
{
    [Theory]
    [InlineData(401, "Provided secret key does not match", "Items", "UNAUTHORIZED")]
    [InlineData(403, "nope", "Items", "UNAUTHORIZED")]
    [InlineData(404, "Collection cars does not exist", "Items", "COLLECTION_NOT_FOUND")]
    [InlineData(404, "Table 'db.cars' doesn't exist", "Items", "COLLECTION_NOT_FOUND")]
    [InlineData(404, "No schemas found", "Collections", "COLLECTION_NOT_FOUND")]
    [InlineData(404, "Item not found", "Items", "ITEM_NOT_FOUND")]
    [InlineData(409, "conflict", "Items", "ITEM_ALREADY_EXISTS")]
    [InlineData(409, "conflict", "Collections", "COLLECTION_ALREADY_EXISTS")]
    [InlineData(400, "Item already exists", "Items", "ITEM_ALREADY_EXISTS")]
    [InlineData(400, "Collection already exists", "Collections", "COLLECTION_ALREADY_EXISTS")]
    [InlineData(400, "Filter of type $x is not supported", "Items", "VALIDATION_ERROR")]
    [InlineData(405, "Unsupported operation", "Items", "UNSUPPORTED_OPERATION")]
    [InlineData(500, "boom", "Items", "UNKNOWN_ERROR")]
    [InlineData(503, "down", "Collections", "UNKNOWN_ERROR")]
    public void Legacy_status_and_message_become_a_V3_code(int status, string message, string callKind, string code)
    {
        // The kind travels as its name: the enum is internal to the server and a test method is public.
        var kind = Enum.Parse<LegacyCallKind>(callKind);
        var answer = new AdaptorAnswer(status, Encoding.UTF8.GetBytes($$"""{"message":"{{message}}"}"""));

        var e = LegacyErrors.FromAnswer(answer, "/data/find", kind, "cars");

        Assert.Equal(AdaptorFailure.AdaptorError, e.Failure);
        Assert.Equal(code, e.ErrorCode);
        Assert.Equal(message, e.Message);
        Assert.Equal(status, e.AdaptorStatus);
    }

    [Fact]
    public void Error_without_a_json_body_keeps_its_status()
    {
        var e = LegacyErrors.FromAnswer(new AdaptorAnswer(502, "<html>Bad gateway</html>"u8.ToArray()), "/data/find", LegacyCallKind.Items, "cars");

        Assert.Equal("UNKNOWN_ERROR", e.ErrorCode);
        Assert.Contains("502", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void V3_style_error_body_keeps_its_code_and_data()
    {
        var answer = new AdaptorAnswer(409, """{"errorCode":"REFERENCE_ALREADY_EXISTS","errorMessage":"exists","data":{"referringItemId":"a"}}"""u8.ToArray());

        var e = LegacyErrors.FromAnswer(answer, "/data/references/insert", LegacyCallKind.Items, "cars");

        Assert.Equal("REFERENCE_ALREADY_EXISTS", e.ErrorCode);
        Assert.Equal("exists", e.Message);
        JsonAssert.Equal("""{"referringItemId":"a"}""", e.ErrorData);
    }

    [Fact]
    public async Task Wrong_secret_is_unauthorized_and_the_secret_is_in_no_message()
    {
        await using var fake = await CarsAsync(ProtocolVersion.V2);
        var connection = fake.Connection(new System.Text.Json.Nodes.JsonObject { ["secretKey"] = "wrong-secret-value" });

        var e = await Assert.ThrowsAsync<AdaptorCallException>(() => CallWithAsync(connection, AdaptorOperations.Count, """{"collectionId":"cars"}"""));

        Assert.Equal("UNAUTHORIZED", e.ErrorCode);
        Assert.Equal(401, e.AdaptorStatus);
        Assert.DoesNotContain("wrong-secret-value", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-secret-value", e.ErrorData?.ToJsonString() ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public async Task Adaptor_5xx_is_an_adaptor_error_with_its_message()
    {
        await using var fake = await CarsAsync(ProtocolVersion.V1);
        fake.ForcedAnswers["*"] = (500, """{"message":"database is down"}""");

        var e = await FailsAsync(fake, AdaptorOperations.Query, """{"collectionId":"cars","query":{}}""");

        Assert.Equal(AdaptorFailure.AdaptorError, e.Failure);
        Assert.Equal("UNKNOWN_ERROR", e.ErrorCode);
        Assert.Equal("database is down", e.Message);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"itemz":[]}""")]
    [InlineData("""{"items":[1,2]}""")]
    [InlineData("[]")]
    public async Task Answer_outside_the_protocol_is_a_bad_answer(string body)
    {
        await using var fake = await CarsAsync(ProtocolVersion.V2);
        fake.ForcedAnswers["*"] = (200, body);

        var e = await FailsAsync(fake, AdaptorOperations.Query, """{"collectionId":"cars","query":{}}""");

        Assert.Equal(AdaptorFailure.BadAnswer, e.Failure);
    }

    [Fact]
    public async Task Request_without_collection_is_a_validation_error_before_any_call()
    {
        await using var fake = await CarsAsync(ProtocolVersion.V2);

        var e = await FailsAsync(fake, AdaptorOperations.Query, """{"query":{}}""");

        Assert.Equal("VALIDATION_ERROR", e.ErrorCode);
        Assert.Empty(fake.Calls);
    }
}
