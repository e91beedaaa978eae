using System.Diagnostics;
using DuckDB.NET.Data;
using VbiOrleans.Admin;
using VbiOrleans.Testing;

namespace VbiOrleans.Export.Tests;

/// <summary>Helpers to run the export and to read what it wrote: DuckDB as the independent reader, the log's own table as the truth.</summary>
public static class DayFiles
{
    public static string NewFolder() => Directory.CreateTempSubdirectory("vbi-export-").FullName;

    /// <summary>The day's folder under an export folder.</summary>
    public static string DayFolder(string root, DateOnly day) => Path.Combine(root, "dss", $"date={day:yyyy-MM-dd}");

    /// <summary>Every file of the day, by name, with its bytes.</summary>
    public static SortedDictionary<string, byte[]> Read(string root, DateOnly day) =>
        new(Directory.EnumerateFiles(DayFolder(root, day)).ToDictionary(f => Path.GetFileName(f), f => File.ReadAllBytes(f)), StringComparer.Ordinal);

    /// <summary>Runs <c>vbi-admin export</c> in process with the operator key in its environment.</summary>
    public static async Task<(int Exit, string Stdout, string Stderr)> AdminExportAsync(ExportHostFixture host, DateOnly day, string folder, string? key = null)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await AdminApp.RunAsync(["export", "--date", day.ToString("yyyy-MM-dd"), "--out", folder, "--server", host.Host.BaseAddress.ToString(),
            "--operator", ExportHostFixture.OperatorName], stdout, stderr, name => name == AdminApp.OperatorKeyVariable ? key ?? ExportHostFixture.OperatorKey : null);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Runs <c>vbi-admin export</c> as its own process (so that it can be killed), with extra environment variables.</summary>
    public static async Task<(int Exit, string Stderr)> AdminExportProcessAsync(ExportHostFixture host, DateOnly day, string folder,
        IReadOnlyDictionary<string, string> environment)
    {
        var dll = Path.Combine(LocalServices.RepositoryRoot, "src", "VbiOrleans.Admin", "bin", HostProcess.BuildConfiguration, "net10.0", "vbi-admin.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { dll, "export", "--date", day.ToString("yyyy-MM-dd"), "--out", folder, "--server", host.Host.BaseAddress.ToString(),
                     "--operator", ExportHostFixture.OperatorName }) info.ArgumentList.Add(a);
        info.Environment[AdminApp.OperatorKeyVariable] = ExportHostFixture.OperatorKey;
        foreach (var (k, v) in environment) info.Environment[k] = v;
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stderr);
    }

    /// <summary>Rows of a query over Parquet files, read by DuckDB (an independent reader), each value as DuckDB gives it.</summary>
    public static List<object?[]> Query(string sql)
    {
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    public static string FileOf(string root, DateOnly day, string table) => $"read_parquet('{Path.Combine(DayFolder(root, day), table + ".parquet")}', hive_partitioning = false)";
}
