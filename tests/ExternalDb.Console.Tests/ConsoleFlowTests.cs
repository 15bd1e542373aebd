using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Playwright;

namespace ExternalDb.Console.Tests;

/// <summary>
/// The console's main flows in a real Chromium against the real server, its demo adaptor and a failing adaptor.
/// Every test also fails on an error in the browser's console, a failed response, or a request to another host.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConsoleFlowTests(ConsoleServer server)
{
    [Fact]
    public async Task Sign_in_create_both_kinds_browse_filter_sort_edit_import_manage_keys_and_sign_out()
    {
        await using var console = await ConsolePage.OpenAsync(server);
        var page = console.Page;
        await console.RunAsync(async () =>
        {
            // Sign-in: a wrong key is refused next to the field; the right one opens a session whose cookie holds no key.
            await page.GotoAsync("/");
            await page.WaitForURLAsync("**/signin**");
            await console.ScreenshotAsync("sign-in");
            await page.Locator("#api-key").FillAsync("edb_not-a-key");
            await page.Locator("#sign-in").ClickAsync();
            await Assertions.Expect(page.Locator("#sign-in-error")).ToHaveTextAsync("The API key is not valid.");
            // With the keyboard alone: the key field has the focus, Enter submits.
            await page.Keyboard.TypeAsync(ConsoleServer.AdminKey);
            await page.Keyboard.PressAsync("Enter");
            await page.WaitForURLAsync(url => !url.Contains("/signin", StringComparison.Ordinal));
            await console.WaitInteractiveAsync();
            var cookie = (await console.Context.CookiesAsync()).Single(c => c.Name == "externaldb.console");
            Assert.True(cookie.HttpOnly);
            Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
            Assert.DoesNotContain(ConsoleServer.AdminKey, cookie.Value, StringComparison.Ordinal);
            Assert.DoesNotContain(ConsoleServer.AdminKey, page.Url, StringComparison.Ordinal);
            // The session opens the console only: the API still wants a key.
            var apiWithCookie = await page.APIRequest.GetAsync("/wix-data/v1/external-database-connections");
            Assert.Equal(401, apiWithCookie.Status);

            // STANDALONE through the wizard, filled in with the demo adaptor: checked at once, successful over V2.
            await page.Locator("#new-connection").ClickAsync();
            await page.WaitForURLAsync("**/connections/new");
            await page.Locator("#connection-name input").FillAsync("shop");
            await page.Locator("#use-demo").ClickAsync();
            await Assertions.Expect(page.Locator("#connection-configuration")).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("secretKey"));
            await console.ScreenshotAsync("wizard-standalone");
            await page.Locator("#create-connection").ClickAsync();
            await page.WaitForURLAsync("**/connections/shop?created=true");
            await Assertions.Expect(page.Locator("h1 .badge")).ToHaveTextAsync("Successful");
            await Assertions.Expect(page.Locator("#protocol-version")).ToHaveTextAsync("V2");
            // The configuration's values are masked until shown (this key may read them).
            await Assertions.Expect(page.Locator("#configuration-json")).ToContainTextAsync("********");

            // WIX_SERVICE_PLUGIN: created without endpoint, keys and the adaptor's settings shown, then the endpoint set.
            await page.GotoAsync("/connections/new");
            await console.WaitInteractiveAsync();
            await page.Locator("#type-plugin").CheckAsync();
            await page.Locator("#connection-name input").FillAsync("shop3");
            await page.Locator("#create-connection").ClickAsync();
            await Assertions.Expect(page.Locator("#new-v3-adaptor-settings")).ToContainTextAsync("Adaptor__JwtPublicKeys__0=");
            await Assertions.Expect(page.Locator("#new-v3-adaptor-settings")).ToContainTextAsync("Adaptor__Audience=");
            await Assertions.Expect(page.Locator("#created-status-message")).ToContainTextAsync("endpoint");
            await console.ScreenshotAsync("wizard-service-plugin");
            await page.Locator("#use-demo-endpoint").ClickAsync();
            await page.Locator("#set-endpoint").ClickAsync();
            await page.WaitForURLAsync("**/connections/shop3?created=true");
            await Assertions.Expect(page.Locator("h1 .badge")).ToHaveTextAsync("Successful");
            await Assertions.Expect(page.Locator("#protocol-version")).ToHaveTextAsync("V3");
            await console.ScreenshotAsync("connection-detail");

            // Both are listed as successful.
            await page.GotoAsync("/");
            await console.WaitInteractiveAsync();
            await Assertions.Expect(Row(page, "shop3").Locator(".badge")).ToHaveTextAsync("Successful");
            await Assertions.Expect(Row(page, "shop").Locator(".badge")).ToHaveTextAsync("Successful");
            await Assertions.Expect(Row(page, "shop")).ToContainTextAsync("V2");
            await Assertions.Expect(Row(page, "shop3")).ToContainTextAsync("V3");
            await console.ScreenshotAsync("connections");

            // The demo collection of the V3 connection.
            await page.GotoAsync("/connections/shop3/collections/products");
            await console.WaitInteractiveAsync();
            await Assertions.Expect(page.Locator("#items-summary")).ToHaveTextAsync("5 item(s)");

            // Filter: price > 50, built from the field's advertised operators, shown as the Wix query.
            await page.Locator("#add-condition").ClickAsync();
            await page.Locator("#filter-field-0").SelectOptionAsync("price");
            await page.Locator("#filter-operator-0").SelectOptionAsync("$gt");
            await page.Locator("#filter-value-0").FillAsync("50");
            await page.Locator("#filter-value-0").DispatchEventAsync("change");
            await page.Locator("#apply-filter").ClickAsync();
            await Assertions.Expect(page.Locator("#items-summary")).ToHaveTextAsync("3 item(s) match the filter");
            await page.Locator("#query-json-toggle").ClickAsync();
            await Assertions.Expect(page.Locator("#query-json")).ToContainTextAsync("\"$gt\": 50");

            // Sort by price, by the column header (the server sorts): ascending, then descending.
            await page.Locator("th", new() { HasText = "price" }).Locator("button").First.ClickAsync();
            await Assertions.Expect(page.Locator("table.items-grid tbody tr").First).ToContainTextAsync("Monitor arm");
            await page.Locator("th", new() { HasText = "price" }).Locator("button").First.ClickAsync();
            await Assertions.Expect(page.Locator("table.items-grid tbody tr").First).ToContainTextAsync("Standing desk");
            await page.Locator("#query-json-toggle").ClickAsync();
            await console.ScreenshotAsync("items");

            // Inline edit of one cell; the change is what the API answers afterwards.
            await page.Locator("#clear-filter").ClickAsync();
            await Assertions.Expect(page.Locator("#items-summary")).ToHaveTextAsync("5 item(s)");
            await page.GetByRole(AriaRole.Button, new() { Name = "Edit item p-1", Exact = true }).ClickAsync();
            await page.Locator("#edit-title").FillAsync("Desk lamp XL");
            await page.Locator("#edit-title").DispatchEventAsync("change");
            await page.Locator("#save-edit").ClickAsync();
            await Assertions.Expect(page.Locator("table.items-grid")).ToContainTextAsync("Desk lamp XL");
            using (var api = server.Api())
            {
                var item = JsonNode.Parse(await api.GetStringAsync("wix-data/v2/items/p-1?dataCollectionId=shop3%2Fproducts"))!;
                Assert.Equal("Desk lamp XL", item["dataItem"]!["data"]!["title"]!.GetValue<string>());
                Assert.Equal(25, item["dataItem"]!["data"]!["price"]!.GetValue<double>());
            }

            // CSV import with progress: typed by the collection's fields; the bad line is listed with its field.
            await page.Locator("#tab-import").ClickAsync();
            var csv = "_id,title,price,inStock,releasedAt\nc-1,Shelf,30,yes,2024-02-01T00:00:00Z\nc-2,Bad price,cheap,no,\nc-3,Rug,12.5,true,\n";
            await page.Locator("#import-file").SetInputFilesAsync(new FilePayload { Name = "more.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(csv) });
            // The button turns on once the server has seen the chosen file; a click before that is a click on a disabled
            // button (a fluent-button's disabled state is an attribute Playwright's actionability checks do not read).
            await page.WaitForFunctionAsync("() => !document.querySelector('#start-import')?.hasAttribute('disabled')");
            await page.Locator("#start-import").ClickAsync();
            await Assertions.Expect(page.Locator("#import-summary")).ToContainTextAsync("100% · 2 inserted, 1 failed");
            await Assertions.Expect(page.Locator("#import-progress")).ToHaveAttributeAsync("value", new System.Text.RegularExpressions.Regex("^[1-9]"));
            await Assertions.Expect(page.Locator("#import-failures tbody tr")).ToContainTextAsync("price");
            await Assertions.Expect(page.Locator("#import-failures tbody tr")).ToContainTextAsync("3");
            await console.ScreenshotAsync("import");
            await page.Locator("#tab-items").ClickAsync();
            await Assertions.Expect(page.Locator("#items-summary")).ToHaveTextAsync("7 item(s)");

            // API keys: created with a grouped grant, shown once, revoked.
            await page.Locator("nav.top-nav a", new() { HasText = "API keys" }).ClickAsync();
            await page.WaitForURLAsync("**/keys");
            await page.Locator("#key-name").FillAsync("reporting");
            await page.Locator("#perm-DATA_READ").CheckAsync();
            await page.Locator("#create-key").ClickAsync();
            var newKey = await page.Locator("#new-key-value").TextContentAsync();
            Assert.StartsWith("edb_", newKey);
            using (var asReporter = server.Api(newKey))
            {
                Assert.True((await asReporter.GetAsync("wix-data/v2/collections")).IsSuccessStatusCode);
            }
            await console.ScreenshotAsync("keys");
            await page.Locator("#dismiss-new-key").ClickAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Revoke key reporting", Exact = true }).ClickAsync();
            await page.Locator("#revoke-dialog-confirm").ClickAsync();
            await Assertions.Expect(page.Locator("#keys-table")).Not.ToContainTextAsync("reporting");
            using (var asRevoked = server.Api(newKey))
            {
                Assert.Equal(401, (int)(await asRevoked.GetAsync("wix-data/v2/collections")).StatusCode);
            }

            // Sign out: the session ends, the pages ask for a key again.
            await page.Locator("#sign-out").ClickAsync();
            await page.WaitForURLAsync("**/signin?signedOut=true");
            await page.GotoAsync("/connections/shop");
            await page.WaitForURLAsync("**/signin**");
        });
        console.AssertClean();
    }

    [Fact]
    public async Task A_failing_adaptor_shows_its_cause()
    {
        using (var api = server.Api())
        {
            var body = new JsonObject
            {
                ["externalDatabaseConnection"] = new JsonObject
                {
                    ["name"] = "broken", ["endpoint"] = server.FailingAdaptor.BaseUrl, ["configuration"] = new JsonObject { ["secretKey"] = "wrong" },
                },
            };
            var response = await api.PostAsync("wix-data/v1/external-database-connections", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
            Assert.True(response.IsSuccessStatusCode);
        }
        await using var console = await ConsolePage.OpenAsync(server);
        await console.RunAsync(async () =>
        {
            await console.SignInAsync(ConsoleServer.AdminKey);
            await Assertions.Expect(Row(console.Page, "broken").Locator(".badge")).ToHaveTextAsync("UNAUTHORIZED");
            await console.Page.Locator("a.connection-link", new() { HasText = "broken" }).ClickAsync();
            await Assertions.Expect(console.Page.Locator("#status-cause")).ToHaveTextAsync("UNAUTHORIZED");
            await Assertions.Expect(console.Page.Locator("#status-message")).ToContainTextAsync("401");
            await console.Page.Locator("#check-now").ClickAsync();
            await Assertions.Expect(console.Page.Locator("#status-cause")).ToHaveTextAsync("UNAUTHORIZED");
            await console.ScreenshotAsync("failing-adaptor");
        });
        console.AssertClean();
    }

    [Fact]
    public async Task A_key_sees_only_what_it_may_and_its_revocation_ends_the_session()
    {
        var (key, id) = await server.CreateKeyAsync("viewer",
            "WIX_DATA.LIST_EXTERNAL_DATABASE_CONNECTIONS", "WIX_DATA.GET_EXTERNAL_DATABASE_CONNECTION");
        using (var api = server.Api())
        {
            var body = new JsonObject
            {
                ["externalDatabaseConnection"] = new JsonObject
                {
                    ["name"] = "secretive", ["endpoint"] = server.FailingAdaptor.BaseUrl, ["configuration"] = new JsonObject { ["secretKey"] = "s3cret-value" },
                },
            };
            Assert.True((await api.PostAsync("wix-data/v1/external-database-connections", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"))).IsSuccessStatusCode);
        }
        await using var console = await ConsolePage.OpenAsync(server);
        var page = console.Page;
        await console.RunAsync(async () =>
        {
            await console.SignInAsync(key);
            await Assertions.Expect(page.Locator("#new-denied")).ToContainTextAsync("WIX_DATA.CREATE_EXTERNAL_DATABASE_CONNECTION");
            await page.GotoAsync("/connections/secretive");
            await console.WaitInteractiveAsync();
            await Assertions.Expect(page.Locator("#configuration-json")).ToContainTextAsync("********");
            Assert.DoesNotContain("s3cret-value", await page.ContentAsync(), StringComparison.Ordinal);
            Assert.Equal(0, await page.Locator("#reveal-configuration").CountAsync());
            await Assertions.Expect(page.Locator("#delete-denied")).ToContainTextAsync("WIX_DATA.DELETE_EXTERNAL_DATABASE_CONNECTION");
            Assert.NotNull(await page.Locator("#delete-connection").GetAttributeAsync("disabled"));
            await page.GotoAsync("/keys");
            await console.WaitInteractiveAsync();
            await Assertions.Expect(page.Locator(".permission-note")).ToContainTextAsync("ADMIN");

            // Revoked through the API: the next request of the session goes to the sign-in page.
            using (var api = server.Api())
            {
                Assert.True((await api.DeleteAsync($"v1/api-keys/{id}")).IsSuccessStatusCode);
            }
            await page.GotoAsync("/");
            await page.WaitForURLAsync("**/signin**");
        });
        console.AssertClean();
    }

    [Fact]
    public async Task The_API_reference_loads_nothing_from_other_hosts()
    {
        await using var console = await ConsolePage.OpenAsync(server);
        await console.RunAsync(async () =>
        {
            await console.Page.GotoAsync("/scalar/v1");
            await Assertions.Expect(console.Page.GetByText("ExternalDb API").First).ToBeVisibleAsync();
            await Assertions.Expect(console.Page.GetByText("Every call needs an API key").First).ToBeVisibleAsync();
            // A self-hosted reference: none of Scalar's cloud buttons.
            Assert.Equal(0, await console.Page.GetByText("Deploy .NET").CountAsync());
            Assert.Equal(0, await console.Page.GetByText("Generate SDK").CountAsync());
            await console.Page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        });
        Assert.DoesNotContain(console.Problems, p => p.StartsWith("request to another host", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Pages_fit_a_narrow_window()
    {
        await using var console = await ConsolePage.OpenAsync(server, width: 400, height: 800);
        await console.RunAsync(async () =>
        {
            await console.SignInAsync(ConsoleServer.AdminKey);
            foreach (var path in new[] { "/", "/connections/new", "/keys" })
            {
                await console.Page.GotoAsync(path);
                await console.WaitInteractiveAsync();
                var overflow = await console.Page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
                var culprits = overflow <= 0 ? "" : await console.Page.EvaluateAsync<string>(
                    """
                    () => {
                        const all = [];
                        const walk = root => root.querySelectorAll('*').forEach(e => { all.push(e); if (e.shadowRoot) walk(e.shadowRoot); });
                        walk(document.body);
                        const clipped = e => { for (let p = e.parentElement || e.getRootNode().host; p; p = p.parentElement || p.getRootNode().host) { if (['auto', 'hidden', 'scroll'].includes(getComputedStyle(p).overflowX)) return true; } return false; };
                        return all.filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1 && !clipped(e))
                            .slice(0, 6).map(e => e.tagName + '#' + e.id + '.' + e.className + ' right=' + Math.round(e.getBoundingClientRect().right)).join(', ');
                    }
                    """);
                Assert.True(overflow <= 0, $"{path} is {overflow}px wider than a 400px window: {culprits}");
            }
            await console.ScreenshotAsync("narrow");
        });
        console.AssertClean();
    }

    /// <summary>The row of the connections grid whose name is exactly <paramref name="name"/>.</summary>
    private static ILocator Row(IPage page, string name) =>
        page.Locator("table.data-grid tbody tr").Filter(new() { Has = page.Locator("a.connection-link", new() { HasTextRegex = new System.Text.RegularExpressions.Regex($"^{System.Text.RegularExpressions.Regex.Escape(name)}$") }) });
}
