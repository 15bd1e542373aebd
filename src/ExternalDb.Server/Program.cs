using ExternalDb.Server.Hosting;

var app = ServerApp.Build(args);
await ServerApp.InitializeAsync(app);
await ServerApp.StartAsync(app);
await app.WaitForShutdownAsync();
