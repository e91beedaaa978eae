using System.Net;
using Orleans.Configuration;

namespace VbiOrleans.Host.Configuration;

public enum HostProfile
{
    /// <summary>One process, localhost clustering, in-memory state, in-memory HSM, archive in a local folder.</summary>
    Local,
    /// <summary>ADO.NET clustering, persistence and reminders on PostgreSQL; several silos on one or many machines.</summary>
    Cluster,
}

public enum TelemetryExporter
{
    None,
    Console,
    Otlp,
}

public enum HsmKind
{
    /// <summary>Keys in this process's memory: the Local profile and tests. Never shared between processes.</summary>
    InMemory,
    /// <summary>A PKCS#11 token: SoftHSM2 locally, any PKCS#11 HSM in production.</summary>
    Pkcs11,
    /// <summary>Azure Key Vault or Managed HSM over its REST API.</summary>
    KeyVault,
}

public enum ArchiveKind
{
    Folder,
    Blob,
}

/// <summary>The section <c>Vbi</c> of configuration (environment: <c>Vbi__…</c>).</summary>
public sealed class VbiOptions
{
    public const string Section = "Vbi";

    public HostProfile Profile { get; set; } = HostProfile.Local;

    /// <summary>Where the Local profile keeps its archive folder and generated operator key.</summary>
    public string DataDirectory { get; set; } = ".vbi-local";

    public ClusterSettings Cluster { get; set; } = new();
    public DatabaseSettings Database { get; set; } = new();
    public ArchiveSettings Archive { get; set; } = new();
    public TelemetrySettings Telemetry { get; set; } = new();
    public HsmSettings Hsm { get; set; } = new();
    public LabelSettings Labels { get; set; } = new();
    public List<OperatorCredential> Operators { get; set; } = [];
}

/// <summary>How PDF labels are licensed: PDFsharp 6.5 is AGPL-3.0 or commercial, and refuses to run until told which.</summary>
public enum PdfLicense
{
    /// <summary>AGPL-3.0: the deployment offers its source to the users of the service (AGPL section 13).</summary>
    Agpl,
    /// <summary>A commercial PDFsharp license, its key read from <see cref="LabelSettings.PdfLicenseKeyFile"/>.</summary>
    Commercial,
}

public sealed class LabelSettings
{
    public PdfLicense PdfLicense { get; set; } = PdfLicense.Agpl;
    public string? PdfLicenseKeyFile { get; set; }
}

public sealed class ClusterSettings
{
    public string ClusterId { get; set; } = "vbi";
    public string ServiceId { get; set; } = "vbi";
    /// <summary>An IP address, or <c>auto</c> for the first non-loopback IPv4 (containers). Loopback by default.</summary>
    public string AdvertisedIp { get; set; } = IPAddress.Loopback.ToString();
    public int SiloPort { get; set; } = EndpointOptions.DEFAULT_SILO_PORT;
    public int GatewayPort { get; set; } = EndpointOptions.DEFAULT_GATEWAY_PORT;
    /// <summary>A name for this silo in the membership table and logs; the machine name by default.</summary>
    public string? SiloName { get; set; }
}

public sealed class DatabaseSettings
{
    /// <summary>Apply the schema scripts at start-up (under an advisory lock) instead of running <c>init-db</c> first.</summary>
    public bool InitializeOnStart { get; set; }

    /// <summary>How long a start-up check waits for PostgreSQL before it gives up.</summary>
    public int ConnectTimeoutSeconds { get; set; } = 5;
}

public sealed class ArchiveSettings
{
    /// <summary>Folder in the Local profile, Blob in the Cluster profile unless set.</summary>
    public ArchiveKind? Kind { get; set; }
    public string? Folder { get; set; }
    public string Container { get; set; } = "vbi-archive";
}

public sealed class HsmSettings
{
    /// <summary>InMemory in the Local profile; the Cluster profile needs a shared HSM (Pkcs11 or KeyVault).</summary>
    public HsmKind? Kind { get; set; }
    public Pkcs11Settings Pkcs11 { get; set; } = new();
    /// <summary>The vault or Managed HSM URI, e.g. https://vbi.managedhsm.azure.net/.</summary>
    public string? VaultUri { get; set; }
}

public sealed class Pkcs11Settings
{
    public string? ModulePath { get; set; }
    public string TokenLabel { get; set; } = "vbi-local";
    /// <summary>A file holding the user PIN (never the PIN itself in configuration).</summary>
    public string? PinFile { get; set; }
}

public sealed class TelemetrySettings
{
    public TelemetryExporter Exporter { get; set; } = TelemetryExporter.None;
    public string? OtlpEndpoint { get; set; }
    /// <summary>Write logs as JSON lines instead of plain single lines.</summary>
    public bool JsonLogs { get; set; }
}

/// <summary>An operator: a name and the SHA-256 (hex) of the operator's key. The key itself is never configured.</summary>
public sealed class OperatorCredential
{
    public string Name { get; set; } = "";
    public string KeySha256 { get; set; } = "";
}
