using System.Text.Json;
using VbiOrleans.Cli;
using VbiOrleans.Host.Tests.Fixtures;

namespace VbiOrleans.Host.Tests.Api;

/// <summary>The `vbi` CLI over real HTTP against a real Local-profile host process.</summary>
public sealed class CliAgainstHostTests(LocalHostFixture fixture) : IClassFixture<LocalHostFixture>
{
    private async Task<(int Exit, string Out, string Err)> Vbi(params string[] args)
    {
        var environment = new CliEnvironment
        {
            GetVariable = name => name switch
            {
                "VBI_SERVER" => fixture.Host.BaseAddress.ToString(),
                "VBI_OPERATOR" => HostEnvironment.OperatorName,
                "VBI_OPERATOR_KEY" => HostEnvironment.OperatorKey,
                _ => null,
            },
        };
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await CliApp.RunAsync(args, stdout, stderr, environment);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Status_register_list_show_and_retire_through_the_cli()
    {
        var serial = "CLI" + Random.Shared.Next(100_000, 999_999);

        var status = await Vbi("status");
        Assert.Equal(0, status.Exit);
        Assert.Contains("Healthy", status.Out);

        var register = await Vbi("modules", "register", serial, "--label", "rack C");
        Assert.Equal(0, register.Exit);
        Assert.Contains(serial, register.Out);

        var list = await Vbi("modules", "list", "--json");
        Assert.Equal(0, list.Exit);
        var rows = JsonDocument.Parse(list.Out).RootElement.EnumerateArray().ToList();
        Assert.Contains(rows, r => r.GetProperty("serial").GetString() == serial && r.GetProperty("label").GetString() == "rack C");

        var conflict = await Vbi("modules", "register", serial, "--label", "rack D");
        Assert.Equal(2, conflict.Exit);
        Assert.Contains("ModuleAlreadyRegistered", conflict.Err);

        var missing = await Vbi("modules", "show", "NOSUCH99");
        Assert.Equal(4, missing.Exit);

        var retire = await Vbi("modules", "retire", serial);
        Assert.Equal(0, retire.Exit);
        var show = await Vbi("modules", "show", serial, "--json");
        Assert.Equal("Retired", JsonDocument.Parse(show.Out).RootElement.GetProperty("state").GetString());
    }
}
