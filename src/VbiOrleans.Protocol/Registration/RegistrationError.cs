namespace VbiOrleans.Protocol.Registration;

/// <summary>Why a registration step failed. Stable names; new ones are added at the end.</summary>
public enum RegistrationError
{
    None = 0,
    /// <summary>Client: the response is not signed by the pinned module key (or not over this meter, challenge and ephemeral key).</summary>
    BadSignature = 1,
    /// <summary>Client: the response answers another challenge.</summary>
    ChallengeMismatch = 2,
    /// <summary>Either side: the message names another meter than the one being registered.</summary>
    MeterMismatch = 3,
    /// <summary>Module: the pending registration is past its lifetime; start again.</summary>
    Expired = 4,
    /// <summary>Module: the envelope does not open under this registration's keys (tampered, or made for another registration).</summary>
    EnvelopeUnreadable = 5,
    /// <summary>Either side: the HMK is not 32 bytes, or is all zeros.</summary>
    InvalidHmk = 6,
    /// <summary>Either side: the password breaks <see cref="Passwords.PasswordPolicy"/>; the violation says which rule.</summary>
    PasswordRejected = 7,
}
