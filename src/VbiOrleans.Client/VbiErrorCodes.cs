namespace VbiOrleans.Client;

/// <summary>
/// Error codes a caller may see in <see cref="VbiApiException.Code"/>. The server's codes are the names of its
/// <c>ErrorCode</c> values; new ones may appear, so treat unknown codes as a refusal of that status.
/// </summary>
public static class VbiErrorCodes
{
    // Client side: no usable response.
    /// <summary>The server could not be reached (connection refused, DNS, TLS).</summary>
    public const string Unreachable = "Unreachable";
    /// <summary>The server did not answer within <see cref="VbiClientOptions.Timeout"/>.</summary>
    public const string Timeout = "Timeout";
    /// <summary>A successful response whose body could not be read as the expected JSON.</summary>
    public const string InvalidResponse = "InvalidResponse";

    // Server side.
    public const string ValidationFailed = "ValidationFailed";
    public const string InvalidModuleSerial = "InvalidModuleSerial";
    public const string InvalidAmount = "InvalidAmount";
    public const string Unauthenticated = "Unauthenticated";
    public const string Forbidden = "Forbidden";
    public const string NotFound = "NotFound";
    public const string ModuleNotRegistered = "ModuleNotRegistered";
    public const string ModuleAlreadyRegistered = "ModuleAlreadyRegistered";
    public const string ModuleRetired = "ModuleRetired";
    public const string ModuleTransactionOutOfOrder = "ModuleTransactionOutOfOrder";
    public const string Internal = "Internal";

    /// <summary>The code used when an error response is not a problem document: <c>Http404</c>, <c>Http502</c>, ...</summary>
    public static string ForStatus(int status) => $"Http{status}";
}
