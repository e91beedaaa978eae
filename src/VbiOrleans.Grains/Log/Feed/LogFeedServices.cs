using Microsoft.Extensions.DependencyInjection;

namespace VbiOrleans.Grains.Log.Feed;

/// <summary>How a silo registers the feed and its consumers.</summary>
public static class LogFeedServices
{
    /// <summary>The feed's options (section <c>Vbi:LogFeed</c>), checked at start-up.</summary>
    public static IServiceCollection AddLogFeed(this IServiceCollection services)
    {
        services.AddOptions<LogFeedOptions>().BindConfiguration(LogFeedOptions.Section).Validate(o =>
        {
            o.Validate();
            return true;
        });
        // One reading of each log per silo, shared by the consumers' readers on it.
        services.AddSingleton<LogFeedReadings>();
        return services;
    }

    /// <summary>Registers a consumer: the feed runs a reader for it in the cluster from the next silo start on.</summary>
    public static IServiceCollection AddLogFeedConsumer<T>(this IServiceCollection services) where T : class, ILogFeedConsumer =>
        services.AddSingleton<ILogFeedConsumer, T>();
}
