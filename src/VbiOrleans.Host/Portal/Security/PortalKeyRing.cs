using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;
using VbiOrleans.Host.Configuration;

namespace VbiOrleans.Host.Portal.Security;

/// <summary>
/// Where the portal's data protection keys live (docs/portal.md, "Keys"): the key ring that encrypts and signs the
/// session cookies and antiforgery tokens. In the Cluster profile, a table of the membership database that every silo
/// of the cluster reads (<see cref="PostgresKeyRepository"/>), so a cookie made by one host is taken by every other;
/// in the Local profile (or with <c>Vbi:Portal:KeyDirectory</c>), a folder. With <c>Vbi:Portal:KeyCertificate</c>
/// each key's secret is encrypted to that certificate before it is stored (ASP.NET Core's own certificate encryptor),
/// so the table or folder alone opens no cookie.
/// </summary>
public static class PortalKeyRing
{
    /// <summary>The application name that isolates these keys from any other use of data protection.</summary>
    public const string ApplicationName = "VbiOrleans.Portal";

    /// <summary>
    /// Configures data protection; answers the one start-up line that says where the keys are and how they are kept, and
    /// whether it is a warning (a Cluster host's keys not encrypted at rest).
    /// </summary>
    public static (string Text, bool Warn) Configure(IServiceCollection services, PortalOptions options, VbiOptions vbi, StoreConnections? connections)
    {
        var keys = services.AddDataProtection().SetApplicationName(ApplicationName);
        string where;
        if (options.KeyDirectory is not null || vbi.Profile == HostProfile.Local || connections is null)
        {
            var folder = Path.GetFullPath(options.KeyDirectory ?? Path.Combine(vbi.DataDirectory, "portal-keys"));
            keys.PersistKeysToFileSystem(new DirectoryInfo(folder));
            where = $"the folder {folder}";
        }
        else
        {
            var repository = new PostgresKeyRepository(connections[VbiOrleans.Abstractions.StorageNames.Membership], vbi.Cluster.ServiceId);
            services.Configure<KeyManagementOptions>(o => o.XmlRepository = repository);
            where = $"the membership database ({StoreConnections.Describe(connections[VbiOrleans.Abstractions.StorageNames.Membership])}), service {vbi.Cluster.ServiceId}";
        }
        if (options.KeyCertificate is null)
            return ($"Portal keys: {where}, not encrypted at rest (set Vbi:Portal:KeyCertificate)", vbi.Profile == HostProfile.Cluster);
        var certificate = LoadCertificate(options.KeyCertificate, options.KeyCertificatePasswordFile);
        keys.ProtectKeysWithCertificate(certificate);
        return ($"Portal keys: {where}, encrypted to certificate {certificate.Thumbprint}", false);
    }

    /// <summary>The PKCS#12 file with its private key; anything else stops the host at start with the setting named.</summary>
    private static X509Certificate2 LoadCertificate(string path, string? passwordFile)
    {
        if (!File.Exists(path)) throw new ArgumentException($"Vbi:Portal:KeyCertificate: no file {path}");
        if (passwordFile is not null && !File.Exists(passwordFile)) throw new ArgumentException($"Vbi:Portal:KeyCertificatePasswordFile: no file {passwordFile}");
        var password = passwordFile is null ? null : File.ReadAllText(passwordFile).TrimEnd('\r', '\n');
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password);
        }
        catch (CryptographicException)
        {
            throw new ArgumentException("Vbi:Portal:KeyCertificate is not a PKCS#12 file this password opens (Vbi:Portal:KeyCertificatePasswordFile)");
        }
        if (!certificate.HasPrivateKey || certificate.GetRSAPrivateKey() is null)
            throw new ArgumentException("Vbi:Portal:KeyCertificate must hold an RSA certificate with its private key (keys are encrypted to it and read back with it)");
        return certificate;
    }
}

/// <summary>
/// The key ring's elements in the membership database (table <c>vbi_portal_keys</c>, infra/sql/61-portal-keys.sql),
/// one key ring per Orleans service id. ASP.NET Core reads the ring at start and about once a day, and writes an element
/// only when it makes or revokes a key (every 90 days by default), so these calls are rare and run synchronously, as
/// the interface asks.
/// </summary>
public sealed class PostgresKeyRepository(string connectionString, string serviceId) : IXmlRepository
{
    /// <summary>The most elements read back: at one key per 90 days, far more than any ring holds; the newest are kept.</summary>
    public const int MaxElements = 1000;

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand(
            "SELECT xml FROM (SELECT id, xml FROM vbi_portal_keys WHERE service_id = @service ORDER BY id DESC LIMIT @limit) newest ORDER BY id", connection);
        command.Parameters.AddWithValue("service", serviceId);
        command.Parameters.AddWithValue("limit", MaxElements);
        using var reader = command.ExecuteReader();
        var elements = new List<XElement>();
        while (reader.Read()) elements.Add(XElement.Parse(reader.GetString(0)));
        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand("INSERT INTO vbi_portal_keys (service_id, friendly_name, xml) VALUES (@service, @name, @xml)", connection);
        command.Parameters.AddWithValue("service", serviceId);
        command.Parameters.AddWithValue("name", friendlyName);
        command.Parameters.AddWithValue("xml", element.ToString(SaveOptions.DisableFormatting));
        command.ExecuteNonQuery();
    }
}
