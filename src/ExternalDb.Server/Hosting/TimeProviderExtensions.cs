namespace ExternalDb.Server.Hosting;

internal static class TimeProviderExtensions
{
    /// <summary>Now, cut to whole milliseconds: the precision every stored and served date has.</summary>
    public static DateTimeOffset UtcNowToMillisecond(this TimeProvider time)
    {
        var now = time.GetUtcNow();
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMillisecond));
    }
}
