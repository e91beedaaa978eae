using VbiOrleans.Admin;

return await AdminApp.RunAsync(args, Console.Out, Console.Error);
