using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using VbiOrleans.Export;

// The app's settings (Vbi__Export__Server, Vbi__Export__OperatorKey as a Key Vault reference,
// Vbi__Export__StorageBlobEndpoint, reached with the app's managed identity) bind to ExportOptions.
var host = new HostBuilder()
    .ConfigureFunctionsWorkerDefaults()
    .ConfigureServices((context, services) =>
    {
        services.AddSingleton(TimeProvider.System);
        services.AddOptions<ExportOptions>().Bind(context.Configuration.GetSection(ExportOptions.Section))
            .Validate(o => o.Problem() is null, "Vbi:Export is incomplete: Server, OperatorKey, and StorageBlobEndpoint or StorageConnectionString");
    })
    .Build();
host.Run();
