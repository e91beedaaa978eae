namespace VbiOrleans.Protocol;

/// <summary>
/// Sizes, the protocol version and the domain-separation tags. Every MAC, signature, transcript and key derivation
/// starts with its own tag, so no value computed for one purpose is ever valid for another. docs/client-protocol.md uses the
/// same names.
/// </summary>
public static class ProtocolConstants
{
    /// <summary>The version byte every message carries after its type byte. A decoder refuses any other.</summary>
    public const byte Version = 1;

    public const int ChallengeSize = 32;
    public const int SessionIdSize = 16;
    public const int MacSize = 32;
    public const int HmkSize = 32;
    public const int HashSize = 32;

    /// <summary>An uncompressed P-256 point: 0x04 || X (32) || Y (32).</summary>
    public const int PublicPointSize = 65;

    /// <summary>ECDSA P-256 signature, raw r || s (IEEE P1363).</summary>
    public const int SignatureSize = 64;

    public const string RegisterSignatureTag = "VBI-REGISTER-V1";
    public const string RegisterTranscriptTag = "VBI-REGISTER-TRANSCRIPT-V1";
    public const string RegisterEnvelopeKeyTag = "VBI-REGISTER-ENVELOPE-V1";
    public const string LoginKeyTag = "VBI-LOGIN-KEY-V1";
    public const string LoginTag = "VBI-LOGIN-V1";
    public const string LoginResponseTag = "VBI-LOGIN-RESP-V1";
    public const string RequestTag = "VBI-REQ-V1";
    public const string ResponseTag = "VBI-RESP-V1";
    public const string PartnerScheme = "VBI-HMAC-SHA256";
    public const string PasswordChangeKeyTag = "VBI-PASSWORD-KEY-V1";
    public const string PasswordChangeTag = "VBI-PASSWORD-V1";
}

/// <summary>The first byte of every binary message: what it is. Stable; new types are added, none renumbered.</summary>
public enum MessageType : byte
{
    RegistrationRequest = 0x01,
    RegistrationResponse = 0x02,
    RegistrationEnvelope = 0x03,
    LoginRequest = 0x04,
    LoginResponse = 0x05,
    SignedRequest = 0x06,
    SignedResponse = 0x07,
    TransactionBody = 0x08,
    PasswordChangeRequest = 0x09,

    // module-private records, never sent to a client
    PendingRegistration = 0x41,
    ModuleSession = 0x42,
}
