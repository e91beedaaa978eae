using System.Reflection;
using System.Runtime.InteropServices;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace VbiOrleans.Hsm.Pkcs11;

/// <summary>
/// A loaded and initialised PKCS#11 module, shared by every <see cref="Pkcs11Hsm"/> of this process that names the
/// same module. PKCS#11 state (C_Initialize, login) belongs to the whole process: a second C_Initialize fails, and
/// one instance's C_Finalize would pull the module out from under the others. So the module is counted, and
/// finalised when the last user releases it.
/// </summary>
internal sealed class Pkcs11Module
{
    private static readonly Dictionary<string, Pkcs11Module> Loaded = new(StringComparer.Ordinal);
    private static readonly Lock Gate = new();

    private readonly string _key;
    private int _users;

    private Pkcs11Module(string key, IPkcs11Library library)
    {
        _key = key;
        Library = library;
    }

    public IPkcs11Library Library { get; }

    static Pkcs11Module()
    {
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(IPkcs11Library).Assembly, ResolveLibdl);
        }
        catch (InvalidOperationException)
        {
            // The application installed its own resolver for Pkcs11Interop; it is in charge of libdl then.
        }
    }

    // Pkcs11Interop loads modules with dlopen imported from "libdl". Since glibc 2.34 (Debian 12, Ubuntu 22.04) only
    // libdl.so.2 is installed without the libc6-dev package, and dlopen itself lives in libc.so.6; the name "libdl"
    // resolves to neither. Pkcs11Interop's maintainer recommends mapping it in the application, which this does.
    private static IntPtr ResolveLibdl(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != "libdl" || !OperatingSystem.IsLinux()) return IntPtr.Zero;
        foreach (var candidate in (string[])["libdl.so.2", "libc.so.6"])
        {
            if (NativeLibrary.TryLoad(candidate, out var handle)) return handle;
        }
        return IntPtr.Zero;
    }

    public static Pkcs11Module Acquire(string modulePath)
    {
        var key = modulePath.Contains('/', StringComparison.Ordinal) ? Path.GetFullPath(modulePath) : modulePath;
        lock (Gate)
        {
            if (!Loaded.TryGetValue(key, out var module))
            {
                module = new Pkcs11Module(key, Load(key));
                Loaded.Add(key, module);
            }
            module._users++;
            return module;
        }
    }

    private static IPkcs11Library Load(string modulePath)
    {
        var factories = new Pkcs11InteropFactories();
        try
        {
            // MultiThreaded: the module does its own locking (CKF_OS_LOCKING_OK), so sessions may be used from any thread.
            return factories.Pkcs11LibraryFactory.LoadPkcs11Library(factories, modulePath, AppType.MultiThreaded);
        }
        catch (Pkcs11Exception e)
        {
            throw new HsmException($"PKCS#11 module {modulePath} failed to initialise: {e.RV}", e.RV.ToString(), e);
        }
        catch (Exception e) when (e is UnmanagedException or DllNotFoundException or BadImageFormatException)
        {
            throw new HsmException($"cannot load the PKCS#11 module {modulePath}: {e.Message}", e);
        }
    }

    public void Release()
    {
        lock (Gate)
        {
            if (--_users > 0) return;
            Loaded.Remove(_key);
            Library.Dispose();
        }
    }
}
