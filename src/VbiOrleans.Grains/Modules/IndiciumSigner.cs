using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using VbiOrleans.TransactionLog.Notes;

namespace VbiOrleans.Grains.Modules;

/// <summary>
/// Signs indicia with one meter's P-256 key: ECDSA over SHA-256, the signature as r || s (64 bytes).
/// <para>
/// .NET's <see cref="ECDsa"/> makes, initialises and frees an OpenSSL signing context for every signature, which
/// costs about a sixth of the signature itself (docs/performance.md). Where .NET runs on OpenSSL 3 (Linux), this
/// signer makes that context once, when the meter's key is first used on this silo, and signs through it with
/// <c>EVP_PKEY_sign</c>: the same library, key object and algorithm, without the set-up. Elsewhere it signs through
/// <see cref="ECDsa"/>. Either way the signature is ordinary ECDSA with a fresh random nonce from OpenSSL.
/// </para>
/// <para>
/// A meter runs one command at a time, so the lock is there for the rare second activation of a meter during a
/// cluster change, not for throughput. The context is freed by its handle when the signer is no longer reachable.
/// </para>
/// </summary>
public sealed class IndiciumSigner
{
    public const int SignatureSize = 2 * EcdsaSignatureEncoding.P256FieldSize;

    private readonly ECDsa _key;
    private readonly SigningContext? _context;
    private readonly Lock _lock = new();

    private IndiciumSigner(ECDsa key, SigningContext? context)
    {
        _key = key;
        _context = context;
    }

    /// <summary>True when signatures go through a kept OpenSSL context rather than through <see cref="ECDsa"/>.</summary>
    public bool KeepsContext => _context is not null;

    /// <summary>The signer of a PKCS#8 P-256 private key.</summary>
    public static IndiciumSigner FromPkcs8(ReadOnlySpan<byte> pkcs8)
    {
        if (LibCrypto.Usable)
        {
            var key = new ECDsaOpenSsl();
            key.ImportPkcs8PrivateKey(pkcs8, out _);
            RequireP256(key);
            return new IndiciumSigner(key, SigningContext.For(key));
        }
        var portable = ECDsa.Create();
        portable.ImportPkcs8PrivateKey(pkcs8, out _);
        RequireP256(portable);
        return new IndiciumSigner(portable, null);
    }

    /// <summary>ECDSA P-256 over SHA-256(<paramref name="data"/>), as r || s.</summary>
    public byte[] Sign(ReadOnlySpan<byte> data)
    {
        if (_context is null) return _key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(data, digest);
        // A DER ECDSA-Sig-Value of P-256 is at most 72 bytes: two 33-byte INTEGERs and three headers.
        Span<byte> der = stackalloc byte[80];
        int length;
        lock (_lock) length = _context.Sign(digest, der);
        return EcdsaSignatureEncoding.FromDer(der[..length]);
    }

    private static void RequireP256(ECDsa key)
    {
        if (key.KeySize != 256) throw new CryptographicException($"an indicium key is ECDSA P-256, not a {key.KeySize}-bit key");
    }

    /// <summary>An OpenSSL 3 <c>EVP_PKEY_CTX</c>, initialised for signing with one key, freed with its handle.</summary>
    private sealed class SigningContext : SafeHandleZeroOrMinusOneIsInvalid
    {
        // Held so the key object outlives the context, whatever OpenSSL does with its own reference.
        private SafeEvpPKeyHandle? _pkey;

        private SigningContext() : base(ownsHandle: true)
        {
        }

        public static SigningContext For(ECDsaOpenSsl key)
        {
            var pkey = key.DuplicateKeyHandle();
            var context = new SigningContext { _pkey = pkey };
            context.SetHandle(LibCrypto.EVP_PKEY_CTX_new_from_pkey(0, pkey.DangerousGetHandle(), 0));
            if (context.IsInvalid) throw LibCrypto.Failure("EVP_PKEY_CTX_new_from_pkey");
            if (LibCrypto.EVP_PKEY_sign_init(context.handle) != 1)
            {
                context.Dispose();
                throw LibCrypto.Failure("EVP_PKEY_sign_init");
            }
            return context;
        }

        /// <summary>Signs a 32-byte digest into <paramref name="der"/>; the signature's length.</summary>
        public int Sign(ReadOnlySpan<byte> digest, Span<byte> der)
        {
            var length = (nuint)der.Length;
            var added = false;
            try
            {
                DangerousAddRef(ref added);
                if (LibCrypto.EVP_PKEY_sign(handle, ref MemoryMarshal.GetReference(der), ref length, in MemoryMarshal.GetReference(digest), (nuint)digest.Length) != 1)
                    throw LibCrypto.Failure("EVP_PKEY_sign");
            }
            finally
            {
                if (added) DangerousRelease();
            }
            return (int)length;
        }

        protected override bool ReleaseHandle()
        {
            LibCrypto.EVP_PKEY_CTX_free(handle);
            _pkey?.Dispose();
            return true;
        }
    }

    /// <summary>The four calls of OpenSSL 3's libcrypto this signer makes, in the library .NET itself loaded.</summary>
    private static class LibCrypto
    {
        private const string Library = "libcrypto.so.3";

        /// <summary>
        /// True where .NET's own cryptography is OpenSSL 3 (so the key handles it gives out belong to libcrypto.so.3)
        /// and that library loads by name. On Windows, macOS or an OpenSSL 1.1 system the signer uses <see cref="ECDsa"/>.
        /// </summary>
        [SupportedOSPlatformGuard("linux")]
        public static bool Usable { get; } = OperatingSystem.IsLinux() && OpenSsl3() && NativeLibrary.TryLoad(Library, out _);

        [SupportedOSPlatform("linux")]
        private static bool OpenSsl3()
        {
            try
            {
                // OPENSSL_VERSION_NUMBER: 0xMNN00PP0L, major version in the top nibble.
                return SafeEvpPKeyHandle.OpenSslVersion >> 28 == 3;
            }
            catch (PlatformNotSupportedException)
            {
                return false;
            }
        }

        public static CryptographicException Failure(string call)
        {
            var code = ERR_get_error();
            ERR_clear_error();
            return new CryptographicException($"OpenSSL {call} failed (error 0x{code:X})");
        }

        [DllImport(Library)]
        public static extern nint EVP_PKEY_CTX_new_from_pkey(nint libraryContext, nint pkey, nint properties);

        [DllImport(Library)]
        public static extern int EVP_PKEY_sign_init(nint context);

        [DllImport(Library)]
        public static extern int EVP_PKEY_sign(nint context, ref byte signature, ref nuint signatureLength, in byte digest, nuint digestLength);

        [DllImport(Library)]
        public static extern void EVP_PKEY_CTX_free(nint context);

        [DllImport(Library)]
        public static extern ulong ERR_get_error();

        [DllImport(Library)]
        public static extern void ERR_clear_error();
    }
}
