using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace VbiOrleans.Hsm.Pkcs11;

/// <summary>
/// Read-write sessions on one token, opened lazily and lent to one operation at a time (a PKCS#11 session runs one
/// operation at a time; the module itself is thread-safe). A session that fails is closed, not reused; when it failed
/// because the session or the login was lost, the operation runs once more on a new session, logged in again.
/// </summary>
internal sealed class Pkcs11SessionPool : IDisposable
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(30);

    private readonly Pkcs11Module _module;
    private readonly string _tokenLabel;
    private readonly byte[] _pin;
    private readonly int _maxSessions;
    private readonly SemaphoreSlim _capacity;
    private readonly ConcurrentBag<ISession> _idle = [];
    private int _disposed;

    public Pkcs11SessionPool(Pkcs11HsmOptions options)
    {
        _tokenLabel = options.TokenLabel;
        _pin = Encoding.UTF8.GetBytes(options.UserPin);
        _maxSessions = options.MaxSessions;
        _capacity = new SemaphoreSlim(_maxSessions, _maxSessions);
        _module = Pkcs11Module.Acquire(options.ModulePath);
    }

    /// <summary>Runs a blocking PKCS#11 operation on a pooled session, off the caller's thread.</summary>
    public async Task<T> RunAsync<T>(Func<ISession, T> operation, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await _capacity.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await Task.Run(() => RunWithReconnect(operation), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _capacity.Release();
        }
    }

    /// <summary>The token lost the session or its login: a new session (and a new login) may succeed.</summary>
    public static bool IsSessionLost(CKR result) => result is CKR.CKR_SESSION_HANDLE_INVALID or CKR.CKR_SESSION_CLOSED
        or CKR.CKR_USER_NOT_LOGGED_IN or CKR.CKR_DEVICE_REMOVED or CKR.CKR_TOKEN_NOT_PRESENT or CKR.CKR_DEVICE_ERROR;

    private T RunWithReconnect<T>(Func<ISession, T> operation)
    {
        for (var attempt = 1; ; attempt++)
        {
            var session = TakeSession();
            T result;
            try
            {
                result = operation(session);
            }
            catch (Pkcs11Exception e) when (IsSessionLost(e.RV) && attempt == 1)
            {
                Discard(session);
                continue;
            }
            catch (Pkcs11Exception e)
            {
                Discard(session);
                throw new HsmException($"PKCS#11 {e.Method} on token '{_tokenLabel}' failed: {e.RV}", e.RV.ToString(), e);
            }
            catch (HsmException)
            {
                // Raised by our own checks, or after a failed single-part C_Sign/C_Decrypt, which ends that operation:
                // the session is clean.
                Return(session);
                throw;
            }
            catch
            {
                Discard(session);
                throw;
            }
            Return(session);
            return result;
        }
    }

    private ISession TakeSession()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return _idle.TryTake(out var session) ? session : OpenSession();
    }

    private void Return(ISession session)
    {
        if (Volatile.Read(ref _disposed) != 0) Discard(session);
        else _idle.Add(session);
    }

    private static void Discard(ISession session)
    {
        try
        {
            session.Dispose();
        }
        catch (Pkcs11Exception)
        {
            // The session is already gone (that may be why it is discarded).
        }
    }

    private ISession OpenSession()
    {
        var slot = FindSlot();
        ISession session;
        try
        {
            session = slot.OpenSession(SessionType.ReadWrite);
        }
        catch (Pkcs11Exception e)
        {
            throw new HsmException($"cannot open a session on token '{_tokenLabel}': {e.RV}", e.RV.ToString(), e);
        }
        try
        {
            LogIn(session);
            return session;
        }
        catch
        {
            Discard(session);
            throw;
        }
    }

    // Login belongs to the application, not to a session: once one session of this process is logged in to the token,
    // all are, and closing the last one logs out. So a new session may already be logged in.
    private void LogIn(ISession session)
    {
        if (session.GetSessionInfo().State == CKS.CKS_RW_USER_FUNCTIONS) return;
        try
        {
            session.Login(CKU.CKU_USER, _pin);
        }
        catch (Pkcs11Exception e) when (e.RV == CKR.CKR_USER_ALREADY_LOGGED_IN)
        {
            // Another thread logged in between the state check and the login.
        }
        catch (Pkcs11Exception e)
        {
            throw new HsmException($"login to token '{_tokenLabel}' failed: {e.RV}", e.RV.ToString(), e);
        }
    }

    // By label, every time a session is opened: slot ids change when a token is (re)initialised.
    private ISlot FindSlot()
    {
        List<ISlot> slots;
        try
        {
            slots = _module.Library.GetSlotList(SlotsType.WithTokenPresent);
        }
        catch (Pkcs11Exception e)
        {
            throw new HsmException($"cannot list the PKCS#11 slots: {e.RV}", e.RV.ToString(), e);
        }
        var labels = new List<string>();
        var matches = new List<ISlot>();
        foreach (var slot in slots)
        {
            string label;
            try
            {
                label = slot.GetTokenInfo().Label.Trim();
            }
            catch (Pkcs11Exception)
            {
                continue; // the token went away between the two calls
            }
            labels.Add($"'{label}'");
            if (label == _tokenLabel) matches.Add(slot);
        }
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new HsmException($"no PKCS#11 token is labelled '{_tokenLabel}' (tokens present: {string.Join(", ", labels)})"),
            _ => throw new HsmException($"{matches.Count} PKCS#11 tokens are labelled '{_tokenLabel}'; the label must name one token"),
        };
    }

    /// <summary>Waits for running operations, closes the sessions and releases the module.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        var drained = 0;
        while (drained < _maxSessions && _capacity.Wait(DrainTimeout)) drained++;
        while (_idle.TryTake(out var session)) Discard(session);
        // An operation that outlived the drain still uses the module: leave it loaded rather than finalise under it.
        if (drained == _maxSessions) _module.Release();
        CryptographicOperations.ZeroMemory(_pin);
        // Callers that were waiting for a session now find the pool disposed.
        if (drained > 0) _capacity.Release(drained);
    }
}
