using System.Security.Cryptography;
using VbiOrleans.Protocol.Wire;

namespace VbiOrleans.Protocol.Registration;

/// <summary>
/// What the module must keep between answering a registration request and opening the envelope: the ephemeral
/// private key, the meter and client challenge it was signed for, and an expiry. It is a secret: keep it in memory,
/// or wrap <see cref="Encode"/> with the module master key before it is stored. Use it once: delete it after
/// <see cref="RegistrationModule.Open"/> whatever the outcome.
/// <code>0x41 | version | meterId (text) | clientChallenge (32) | moduleEphemeralKey (65) | privateScalar (32) | expiresAt (i64, unix ms)</code>
/// </summary>
public sealed class PendingRegistration
{
    public const int PrivateScalarSize = 32;

    private readonly byte[] _clientChallenge;
    private readonly byte[] _moduleEphemeralKey;
    private readonly byte[] _privateScalar;

    public PendingRegistration(string meterId, ReadOnlySpan<byte> clientChallenge, ReadOnlySpan<byte> moduleEphemeralKey,
        ReadOnlySpan<byte> privateScalar, DateTimeOffset expiresAt)
    {
        MeterId = Fields.MeterId(meterId);
        _clientChallenge = Fields.Exact(clientChallenge, ProtocolConstants.ChallengeSize, "clientChallenge");
        _moduleEphemeralKey = Fields.Exact(moduleEphemeralKey, ProtocolConstants.PublicPointSize, "moduleEphemeralKey");
        _privateScalar = Fields.Exact(privateScalar, PrivateScalarSize, "privateScalar");
        try
        {
            // The private scalar must belong to the public key it was stored with.
            using var key = ECDiffieHellman.Create(Parameters());
        }
        catch (CryptographicException)
        {
            throw new ArgumentException("the private scalar does not match the ephemeral key", "privateScalar");
        }
        ExpiresAt = expiresAt;
    }

    public string MeterId { get; }
    public ReadOnlyMemory<byte> ClientChallenge => _clientChallenge;
    public ReadOnlyMemory<byte> ModuleEphemeralKey => _moduleEphemeralKey;
    public DateTimeOffset ExpiresAt { get; }

    internal ECDiffieHellman PrivateKey() => ECDiffieHellman.Create(Parameters());

    private ECParameters Parameters()
    {
        var p = EcPoints.Parameters(_moduleEphemeralKey);
        p.D = _privateScalar.ToArray();
        return p;
    }

    public byte[] Encode() =>
        new WireWriter(200).Header(MessageType.PendingRegistration).Text(MeterId)
            .Fixed(_clientChallenge, ProtocolConstants.ChallengeSize)
            .Fixed(_moduleEphemeralKey, ProtocolConstants.PublicPointSize)
            .Fixed(_privateScalar, PrivateScalarSize)
            .I64(ExpiresAt.ToUnixTimeMilliseconds()).ToArray();

    public static Decoded<PendingRegistration> Decode(ReadOnlySpan<byte> bytes)
    {
        var data = bytes.ToArray();
        return WireFormatException.Catch(() =>
        {
            var r = new WireReader(data);
            r.Header(MessageType.PendingRegistration);
            var meterId = r.Text("meterId");
            var challenge = r.Fixed(ProtocolConstants.ChallengeSize, "clientChallenge");
            var key = r.Fixed(ProtocolConstants.PublicPointSize, "moduleEphemeralKey");
            var scalar = r.Fixed(PrivateScalarSize, "privateScalar");
            var expires = r.I64("expiresAt");
            r.End();
            if (expires is < -62_135_596_800_000 or > 253_402_300_799_999) throw WireFormatException.Invalid("expiresAt");
            return new PendingRegistration(meterId, challenge, key, scalar, DateTimeOffset.FromUnixTimeMilliseconds(expires));
        });
    }
}
