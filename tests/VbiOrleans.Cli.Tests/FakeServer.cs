using System.Net;
using System.Net.Sockets;
using System.Text;

namespace VbiOrleans.Cli.Tests;

/// <summary>An HttpMessageHandler that answers from a function and remembers each request (with its body).</summary>
internal sealed class FakeServer(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
{
    public List<(HttpRequestMessage Request, string? Body)> Requests { get; } = [];

    public HttpRequestMessage Last => Requests[^1].Request;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        lock (Requests) Requests.Add((request, body));
        var response = answer(request);
        response.RequestMessage = request;
        return response;
    }

    public static HttpResponseMessage Json(HttpStatusCode status, string json, string mediaType = "application/json") =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, mediaType) };

    public static HttpResponseMessage Problem(int status, string code, string detail) =>
        Json((HttpStatusCode)status,
            $$"""{"type":"https://vbi.example/problems/{{code}}","title":"{{code}}","status":{{status}},"detail":"{{detail}}","code":"{{code}}"}""",
            "application/problem+json");

    public const string RowJson = """
        {"serial":"CM-0001","label":"Hall 7","state":"Active","registeredAt":"2025-03-04T05:06:07+00:00",
         "lastTransactionAt":"2025-03-05T10:11:12+02:00","lastTransactionKind":"Print","lastTransactionValueMills":1234,
         "lastTransactionMeterId":"M-42","lastTransactionSequence":17,"transactionCount":9}
        """;

    public const string FreshRowJson = """
        {"serial":"CM-0002","label":"spare","state":"Retired","registeredAt":"2025-03-04T05:06:07Z",
         "lastTransactionAt":null,"lastTransactionKind":null,"lastTransactionValueMills":null,
         "lastTransactionMeterId":null,"lastTransactionSequence":null,"transactionCount":0}
        """;

    /// <summary>A loopback URL on which nothing listens: a port the OS just handed out and that was closed again.</summary>
    public static Uri ClosedLoopbackUrl()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}/");
    }
}

/// <summary>The CLI run in process, its requests answered by a <see cref="FakeServer"/> (or not sent), its output captured.</summary>
internal static class InProcessCli
{
    /// <param name="variables">The environment the CLI sees (VBI_HOME at least); any other variable is unset.</param>
    public static async Task<(int Exit, string Out, string Err)> RunAsync(FakeServer? server, IReadOnlyDictionary<string, string> variables, string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var environment = new CliEnvironment
        {
            GetVariable = name => variables.GetValueOrDefault(name),
            HttpHandler = server,
            ReadSecret = _ => null,
            Timeout = TimeSpan.FromSeconds(10),
        };
        var exit = await CliApp.RunAsync(args, stdout, stderr, environment);
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
