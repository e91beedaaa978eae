using Microsoft.AspNetCore.Mvc;
using VbiOrleans.Host.Api;

namespace VbiOrleans.Host.Portal;

/// <summary>A refusal the API's shared code answered (an <see cref="ApiResponse"/> with a problem body), as a page shows it: code and sentence.</summary>
public static class PortalProblem
{
    /// <summary>The problem's stable code and detail, or null when the response is not a problem.</summary>
    public static (string Code, string Message)? Of(ApiResponse response) =>
        response.Body is ProblemDetails p ? (p.Extensions.TryGetValue("code", out var code) ? code?.ToString() ?? p.Title! : p.Title!, p.Detail ?? "") : null;

    /// <summary>
    /// The page's status for a refusal, except 404: the host's status code pages replace an empty-bodied 404 with the
    /// API's problem document, so a page that answers "none found" stays 200 and shows its alert.
    /// </summary>
    public static void SetStatus(HttpContext context, int status)
    {
        if (status != StatusCodes.Status404NotFound) context.Response.StatusCode = status;
    }
}
