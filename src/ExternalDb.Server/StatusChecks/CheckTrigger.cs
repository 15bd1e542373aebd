namespace ExternalDb.Server.StatusChecks;

/// <summary>What made the server check a connection's adaptor (the <c>trigger</c> of the check metrics).</summary>
internal static class CheckTrigger
{
    public const string Create = "create";
    public const string Update = "update";
    public const string Probe = "probe";
    public const string Schedule = "schedule";
}
