// VbiOrleans on Azure, stage 1: the whole system except what needs an activated Managed HSM.
//   network, private DNS, Log Analytics, managed identities, the archive (WORM) and dss containers, the Key Vault
//   for secrets, two PostgreSQL flexible servers (two trust domains), the Managed HSM (not yet activated), the
//   Container Apps environment with one container app per silo and the init-db job, and the export function app.
// Then: activate the HSM's security domain and run stage 2 (bicep/stage2.sh). The steps: docs/deploy-azure.md.
//
//   az deployment group create -g <rg> -f bicep/main.bicep -p bicep/main.bicepparam

targetScope = 'resourceGroup'

@description('Prefix of every resource name: 3 to 10 lower-case letters, digits and hyphens.')
@minLength(3)
@maxLength(10)
param namePrefix string

@description('Azure region (one with availability zones).')
param location string = resourceGroup().location

@description('Address space of the virtual network.')
param addressPrefix string = '10.40.0.0/16'

// ---------- silos ----------
@description('The host image built from infra/Dockerfile, e.g. myregistry.azurecr.io/vbiorleans-host:0.1.0.')
param image string

@description('Login server of the registry holding the image, pulled with the silo identity (give it AcrPull); empty for a public image.')
param registryServer string = ''

@description('Silos, each its own container app with one replica.')
@minValue(2)
@maxValue(6)
param siloCount int = 3

@description('vCPUs and memory of each silo.')
param siloCpu string = '2.0'
param siloMemory string = '8Gi'

@description('Silo-to-silo, gateway and HTTP ports (Vbi:Cluster:SiloPort, Vbi:Cluster:GatewayPort, the API).')
param siloPort int = 11111
param gatewayPort int = 30000
param httpPort int = 8080

@description('The first operator\'s name (Vbi:Operators:0:Name).')
param operatorName string

@description('SHA-256 (hex) of the first operator\'s key (Vbi:Operators:0:KeySha256); the key itself is never deployed.')
@minLength(64)
@maxLength(64)
param operatorKeySha256 string

// ---------- PostgreSQL ----------
@description('Entra ID group administering the stores server (postal, commerce, membership).')
param storesAdminGroupObjectId string
param storesAdminGroupName string

@description('Entra ID group administering the module server (module memory, transaction log): other people than the stores\' administrators.')
param moduleAdminGroupObjectId string
param moduleAdminGroupName string

@description('Login of each server\'s built-in password administrator (used once, to create the roles below).')
param postgresAdministratorLogin string = 'vbiadmin'

@description('Passwords of the built-in administrators.')
@secure()
param storesAdministratorPassword string
@secure()
param moduleAdministratorPassword string

@description('Passwords of the database roles the silos log in as (vbi_silo on each server).')
@secure()
param siloStoresPassword string
@secure()
param siloModulePassword string

@description('The export\'s operator key (Vbi:Export:OperatorKey): the export reads the day through a silo\'s operator API.')
@secure()
param exportOperatorKey string

@description('SHA-256 (hex) of that key, configured on the silos as the operator "export".')
@minLength(64)
@maxLength(64)
param exportOperatorKeySha256 string

@description('Compute, storage and major version of both servers.')
param postgresSkuName string = 'Standard_D4ds_v5'
param postgresStorageSizeGB int = 256
param postgresVersion string = '15'

// ---------- keys ----------
@description('Object ids of the Managed HSM administrators (security officers; at least the three who hold the security domain\'s keys).')
@minLength(1)
param hsmAdministratorObjectIds array

@description('Public CIDR ranges allowed to the HSM data plane during activation; empty: the private endpoint only.')
param hsmAdminIpRanges array = []

// ---------- archive ----------
@description('Days archived log segments, checkpoints and snapshots stay immutable.')
param archiveRetentionDays int = 2555

@description('Set to true after stage 2 locked the archive\'s immutability policy (a locked policy is only extended, never redeclared).')
param archivePolicyLocked bool = false

module network 'modules/network.bicep' = {
  name: '${namePrefix}-network'
  params: { location: location, namePrefix: namePrefix, addressPrefix: addressPrefix }
}

module monitoring 'modules/monitoring.bicep' = {
  name: '${namePrefix}-monitoring'
  params: { location: location, namePrefix: namePrefix }
}

module identities 'modules/identities.bicep' = {
  name: '${namePrefix}-identities'
  params: { location: location, namePrefix: namePrefix }
}

module archive 'modules/archive.bicep' = {
  name: '${namePrefix}-archive'
  params: {
    location: location
    namePrefix: namePrefix
    retentionDays: archiveRetentionDays
    policyLocked: archivePolicyLocked
    siloPrincipalId: identities.outputs.siloPrincipalId
    exportPrincipalId: identities.outputs.exportPrincipalId
    privateEndpointsSubnetId: network.outputs.privateEndpointsSubnetId
    blobZoneId: network.outputs.blobZoneId
  }
}

// Trust domain 1: PSD packages, commerce, membership (and the Orleans cluster tables).
module storesServer 'modules/postgres.bicep' = {
  name: '${namePrefix}-pg-stores'
  params: {
    location: location
    name: '${namePrefix}-pg-stores-${uniqueString(resourceGroup().id)}'
    databases: ['vbi_postal', 'vbi_commerce', 'vbi_membership']
    subnetId: network.outputs.postgresStoresSubnetId
    dnsZoneId: network.outputs.postgresZoneId
    entraAdminGroupObjectId: storesAdminGroupObjectId
    entraAdminGroupName: storesAdminGroupName
    administratorLogin: postgresAdministratorLogin
    administratorPassword: storesAdministratorPassword
    skuName: postgresSkuName
    storageSizeGB: postgresStorageSizeGB
    version: postgresVersion
  }
}

// Trust domain 2: module memory and the transaction log, on a server of its own with its own administrators, so
// that whoever can change a PSD package cannot also change the checkpoints and log it is compared with.
module moduleServer 'modules/postgres.bicep' = {
  name: '${namePrefix}-pg-module'
  params: {
    location: location
    name: '${namePrefix}-pg-module-${uniqueString(resourceGroup().id)}'
    databases: ['vbi_module']
    subnetId: network.outputs.postgresModuleSubnetId
    dnsZoneId: network.outputs.postgresZoneId
    entraAdminGroupObjectId: moduleAdminGroupObjectId
    entraAdminGroupName: moduleAdminGroupName
    administratorLogin: postgresAdministratorLogin
    administratorPassword: moduleAdministratorPassword
    skuName: postgresSkuName
    storageSizeGB: postgresStorageSizeGB
    version: postgresVersion
  }
}

var storesHost = storesServer.outputs.fqdn
var moduleHost = moduleServer.outputs.fqdn
// Npgsql connection strings; TLS with the server's certificate and name verified.
var tls = 'SSL Mode=VerifyFull;Port=5432'

module vault 'modules/keyVault.bicep' = {
  name: '${namePrefix}-vault'
  params: {
    location: location
    namePrefix: namePrefix
    secrets: {
      postal: 'Host=${storesHost};Database=vbi_postal;Username=vbi_silo;Password=${siloStoresPassword};${tls}'
      commerce: 'Host=${storesHost};Database=vbi_commerce;Username=vbi_silo;Password=${siloStoresPassword};${tls}'
      membership: 'Host=${storesHost};Database=vbi_membership;Username=vbi_silo;Password=${siloStoresPassword};${tls}'
      module: 'Host=${moduleHost};Database=vbi_module;Username=vbi_silo;Password=${siloModulePassword};${tls}'
      'export-operator-key': exportOperatorKey
    }
    readerPrincipalIds: [identities.outputs.siloPrincipalId, identities.outputs.exportPrincipalId]
    privateEndpointsSubnetId: network.outputs.privateEndpointsSubnetId
    vaultZoneId: network.outputs.vaultZoneId
  }
}

module hsm 'modules/managedHsm.bicep' = {
  name: '${namePrefix}-hsm'
  params: {
    location: location
    namePrefix: namePrefix
    administratorObjectIds: hsmAdministratorObjectIds
    adminIpRanges: hsmAdminIpRanges
    privateEndpointsSubnetId: network.outputs.privateEndpointsSubnetId
    managedHsmZoneId: network.outputs.managedHsmZoneId
  }
}

module environment 'modules/containerAppsEnvironment.bicep' = {
  name: '${namePrefix}-cae'
  params: {
    location: location
    namePrefix: namePrefix
    subnetId: network.outputs.containerAppsSubnetId
    workspaceId: monitoring.outputs.workspaceId
  }
}

// The internal environment's apps resolve in the VNet through a private zone for its default domain.
module environmentDns 'modules/environmentDns.bicep' = {
  name: '${namePrefix}-cae-dns'
  params: {
    domain: environment.outputs.defaultDomain
    staticIp: environment.outputs.staticIp
    vnetId: network.outputs.vnetId
  }
}

// The silos' secrets: Key Vault references, read with the silo identity when a revision starts.
var siloSecrets = [
  { name: 'postal', keyVaultUrl: '${vault.outputs.vaultUri}secrets/postal' }
  { name: 'module', keyVaultUrl: '${vault.outputs.vaultUri}secrets/module' }
  { name: 'commerce', keyVaultUrl: '${vault.outputs.vaultUri}secrets/commerce' }
  { name: 'membership', keyVaultUrl: '${vault.outputs.vaultUri}secrets/membership' }
]

// What the host reads (src/VbiOrleans.Host: Configuration/VbiOptions.cs, Hosting/HostProgram.cs, README's table).
var siloEnv = [
  { name: 'Vbi__Profile', value: 'Cluster' }
  // Inside the container the API listens on the container's interfaces; the environment is internal to the VNet.
  { name: 'ASPNETCORE_URLS', value: 'http://+:${httpPort}' }
  { name: 'Vbi__Cluster__ClusterId', value: namePrefix }
  { name: 'Vbi__Cluster__ServiceId', value: namePrefix }
  { name: 'Vbi__Cluster__AdvertisedIp', value: 'auto' }
  { name: 'Vbi__Cluster__SiloPort', value: string(siloPort) }
  { name: 'Vbi__Cluster__GatewayPort', value: string(gatewayPort) }
  { name: 'Vbi__Hsm__Kind', value: 'KeyVault' }
  { name: 'Vbi__Hsm__VaultUri', value: hsm.outputs.hsmUri }
  // DefaultAzureCredential picks the user-assigned identity by this client id (Managed HSM and the archive).
  { name: 'AZURE_CLIENT_ID', value: identities.outputs.siloClientId }
  { name: 'Vbi__Archive__Kind', value: 'Blob' }
  { name: 'Vbi__Archive__Container', value: archive.outputs.archiveContainerName }
  // The blob endpoint alone: the host then authenticates with the identity (the account takes no shared keys).
  { name: 'ConnectionStrings__archive', value: archive.outputs.blobEndpoint }
  { name: 'ConnectionStrings__postal', secretRef: 'postal' }
  { name: 'ConnectionStrings__module', secretRef: 'module' }
  { name: 'ConnectionStrings__commerce', secretRef: 'commerce' }
  { name: 'ConnectionStrings__membership', secretRef: 'membership' }
  // The schema is applied by the init-db job, once, not by every silo at start.
  { name: 'Vbi__Database__InitializeOnStart', value: 'false' }
  { name: 'Vbi__Operators__0__Name', value: operatorName }
  { name: 'Vbi__Operators__0__KeySha256', value: operatorKeySha256 }
  { name: 'Vbi__Operators__1__Name', value: 'export' }
  { name: 'Vbi__Operators__1__KeySha256', value: exportOperatorKeySha256 }
  { name: 'Vbi__Telemetry__JsonLogs', value: 'true' }
]

module silos 'modules/silo.bicep' = [for i in range(0, siloCount): {
  name: '${namePrefix}-silo-${i}'
  params: {
    location: location
    name: '${namePrefix}-silo-${i}'
    environmentId: environment.outputs.environmentId
    workloadProfileName: 'silos'
    image: image
    registryServer: registryServer
    identityId: identities.outputs.siloId
    siloPort: siloPort
    gatewayPort: gatewayPort
    httpPort: httpPort
    exposedPortOffset: i
    moduleSerial: 'CM-${padLeft(string(i + 1), 4, '0')}'
    sharedEnv: siloEnv
    secretReferences: siloSecrets
    cpu: siloCpu
    memory: siloMemory
  }
}]

module initDb 'modules/initDbJob.bicep' = {
  name: '${namePrefix}-init-db'
  params: {
    location: location
    name: '${namePrefix}-init-db'
    environmentId: environment.outputs.environmentId
    image: image
    registryServer: registryServer
    identityId: identities.outputs.siloId
    sharedEnv: siloEnv
    secretReferences: siloSecrets
  }
}

module export 'modules/exportFunction.bicep' = {
  name: '${namePrefix}-export'
  params: {
    location: location
    namePrefix: namePrefix
    identityId: identities.outputs.exportId
    identityClientId: identities.outputs.exportClientId
    identityPrincipalId: identities.outputs.exportPrincipalId
    subnetId: network.outputs.functionsSubnetId
    privateEndpointsSubnetId: network.outputs.privateEndpointsSubnetId
    blobZoneId: network.outputs.blobZoneId
    queueZoneId: network.outputs.queueZoneId
    tableZoneId: network.outputs.tableZoneId
    insightsId: monitoring.outputs.insightsId
    insightsConnectionString: monitoring.outputs.insightsConnectionString
    // The export asks a silo's operator API for the day (it holds neither database credentials nor HSM keys;
    // the silos pseudonymize) and writes the archive's dss container with its identity.
    exportSettings: {
      Vbi__Export__Server: 'http://${namePrefix}-silo-0.${environment.outputs.defaultDomain}:${silos[0].outputs.httpPort}'
      Vbi__Export__OperatorName: 'export'
      Vbi__Export__OperatorKey: '@Microsoft.KeyVault(SecretUri=${vault.outputs.vaultUri}secrets/export-operator-key/)'
      Vbi__Export__StorageConnectionString: archive.outputs.blobEndpoint
      Vbi__Export__Container: archive.outputs.dssContainerName
    }
  }
}

output hsmName string = hsm.outputs.hsmName
output hsmUri string = hsm.outputs.hsmUri
output siloPrincipalId string = identities.outputs.siloPrincipalId
output exportPrincipalId string = identities.outputs.exportPrincipalId
output archiveAccountName string = archive.outputs.accountName
output archiveContainerName string = archive.outputs.archiveContainerName
output storesServerFqdn string = storesHost
output moduleServerFqdn string = moduleHost
output vaultName string = vault.outputs.vaultName
output initDbJobName string = initDb.outputs.jobName
output functionAppName string = export.outputs.functionAppName
output siloApps array = [for i in range(0, siloCount): '${namePrefix}-silo-${i}']
output environmentDomain string = environmentDns.outputs.domain
output siloHttpPorts array = [for i in range(0, siloCount): silos[i].outputs.httpPort]
