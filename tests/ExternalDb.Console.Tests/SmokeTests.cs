namespace ExternalDb.Console.Tests;

[Collection(ConsoleCollection.Name)]
public sealed class SmokeTests(ConsoleServer server)
{
    [Fact]
    public async Task Signing_in_shows_the_connections()
    {
        await using var console = await ConsolePage.OpenAsync(server);
        await console.SignInAsync(ConsoleServer.AdminKey);
        await console.Page.Locator("h1", new() { HasText = "Connections" }).WaitForAsync();
        await console.ScreenshotAsync("smoke");
        console.AssertClean();
    }
}
