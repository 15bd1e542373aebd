namespace ExternalDb.Server.Hosting;

internal static class TimeProviderExtensions
{
    /// <summary>A date as every stored and served date is written: ISO 8601 UTC with milliseconds, <c>...T03:04:05.678Z</c>.</summary>
    public static string ToWireString(this DateTimeOffset date) =>
        date.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Now, cut to whole milliseconds: the precision every stored and served date has.</summary>
    public static DateTimeOffset UtcNowToMillisecond(this TimeProvider time)
    {
        var now = time.GetUtcNow();
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMillisecond));
    }
}
