using VbiOrleans.Host.Hosting;

return await HostProgram.RunAsync(args);
