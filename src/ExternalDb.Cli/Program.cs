using ExternalDb.Cli;

return await CliApp.RunAsync(args).ConfigureAwait(false);
