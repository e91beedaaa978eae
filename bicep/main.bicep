// VbiOrleans on Azure: the data tier and the archive. The silos run as a container app (Cluster profile) in the
// environment made here; each named store gets its own connection string, and the module store lives on its own
// PostgreSQL server (another trust domain, as module memory must).
//
//   az deployment group create -g <rg> -f bicep/main.bicep -p namePrefix=vbi postgresAdminPassword=<secret> \
//      operatorKeySha256=<sha256 hex of the operator key> image=<registry>/vbiorleans-host:<tag>

targetScope = 'resourceGroup'

@description('Prefix for resource names (3 to 11 lower-case letters and digits).')
@minLength(3)
@maxLength(11)
param namePrefix string

param location string = resourceGroup().location

@description('Administrator login of both PostgreSQL servers.')
param postgresAdminLogin string = 'vbiadmin'

@secure()
@description('Administrator password of both PostgreSQL servers. Stored only as a container-app secret.')
param postgresAdminPassword string

@description('SHA-256 (hex) of the first operator key. The key itself is never deployed.')
param operatorKeySha256 string

@description('Container image of VbiOrleans.Host.')
param image string

@description('Silos to run.')
@minValue(2)
param siloCount int = 3

@description('Days archived log segments and snapshots stay immutable.')
param archiveRetentionDays int = 2555

var suffix = uniqueString(resourceGroup().id)

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${namePrefix}-logs-${suffix}'
  location: location
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 90
  }
}

// ---------- archive: transaction-log segments, checkpoints, snapshots ----------
resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: take('${namePrefix}arch${suffix}', 24)
  location: location
  sku: { name: 'Standard_GZRS' }
  kind: 'StorageV2'
  properties: {
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    allowSharedKeyAccess: true
    immutableStorageWithVersioning: { enabled: false }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    deleteRetentionPolicy: { enabled: true, days: 30 }
    containerDeleteRetentionPolicy: { enabled: true, days: 30 }
  }
}

resource archive 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: 'vbi-archive'
  properties: { publicAccess: 'None' }
}

// Time-based retention with protected append writes: archived objects cannot be changed or deleted, new blocks can
// still be appended. Lock it after the first deployment (a locked policy can only be extended):
//   az storage container immutability-policy lock --account-name <account> -c vbi-archive --if-match <etag>
resource archiveRetention 'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies@2023-05-01' = {
  parent: archive
  name: 'default'
  properties: {
    immutabilityPeriodSinceCreationInDays: archiveRetentionDays
    allowProtectedAppendWrites: true
  }
}

// ---------- PostgreSQL: postal, commerce, membership on one server; module on its own ----------
module postalServer 'postgres.bicep' = {
  name: 'postal-server'
  params: {
    name: '${namePrefix}-postal-${suffix}'
    location: location
    adminLogin: postgresAdminLogin
    adminPassword: postgresAdminPassword
    databases: [ 'vbi_postal', 'vbi_commerce', 'vbi_membership' ]
  }
}

module moduleServer 'postgres.bicep' = {
  name: 'module-server'
  params: {
    name: '${namePrefix}-module-${suffix}'
    location: location
    adminLogin: postgresAdminLogin
    adminPassword: postgresAdminPassword
    databases: [ 'vbi_module' ]
  }
}

// ---------- keys: module master key, identity key, postal CA key (HSM-backed) ----------
resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: take('${namePrefix}-kv-${suffix}', 24)
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'premium' }
    enableRbacAuthorization: true
    enablePurgeProtection: true
    softDeleteRetentionInDays: 90
    publicNetworkAccess: 'Enabled'
  }
}

// ---------- silos ----------
resource environment 'Microsoft.App/managedEnvironments@2024-03-01' = {
  name: '${namePrefix}-env-${suffix}'
  location: location
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: logs.properties.customerId
        sharedKey: logs.listKeys().primarySharedKey
      }
    }
  }
}

var pg = 'Port=5432;Username=${postgresAdminLogin};Password=${postgresAdminPassword};SSL Mode=Require'

resource silos 'Microsoft.App/containerApps@2024-03-01' = {
  name: '${namePrefix}-host'
  location: location
  identity: { type: 'SystemAssigned' }
  properties: {
    managedEnvironmentId: environment.id
    configuration: {
      ingress: {
        external: true
        targetPort: 8080
        transport: 'http'
        additionalPortMappings: [
          { external: false, targetPort: 11111 }
          { external: false, targetPort: 30000 }
        ]
      }
      secrets: [
        { name: 'postal', value: 'Host=${postalServer.outputs.fqdn};Database=vbi_postal;${pg}' }
        { name: 'commerce', value: 'Host=${postalServer.outputs.fqdn};Database=vbi_commerce;${pg}' }
        { name: 'membership', value: 'Host=${postalServer.outputs.fqdn};Database=vbi_membership;${pg}' }
        { name: 'module', value: 'Host=${moduleServer.outputs.fqdn};Database=vbi_module;${pg}' }
        { name: 'archive', value: 'DefaultEndpointsProtocol=https;AccountName=${storage.name};AccountKey=${storage.listKeys().keys[0].value};EndpointSuffix=${az.environment().suffixes.storage}' }
      ]
    }
    template: {
      scale: { minReplicas: siloCount, maxReplicas: siloCount }
      containers: [
        {
          name: 'host'
          image: image
          resources: { cpu: json('1.0'), memory: '2Gi' }
          args: [ '--urls', 'http://0.0.0.0:8080' ]
          env: [
            { name: 'Vbi__Profile', value: 'Cluster' }
            { name: 'Vbi__Cluster__ClusterId', value: namePrefix }
            { name: 'Vbi__Cluster__ServiceId', value: namePrefix }
            { name: 'Vbi__Cluster__AdvertisedIp', value: 'auto' }
            { name: 'Vbi__Database__InitializeOnStart', value: 'true' }
            { name: 'Vbi__Telemetry__JsonLogs', value: 'true' }
            { name: 'Vbi__Operators__0__Name', value: 'operator' }
            { name: 'Vbi__Operators__0__KeySha256', value: operatorKeySha256 }
            { name: 'ConnectionStrings__postal', secretRef: 'postal' }
            { name: 'ConnectionStrings__module', secretRef: 'module' }
            { name: 'ConnectionStrings__commerce', secretRef: 'commerce' }
            { name: 'ConnectionStrings__membership', secretRef: 'membership' }
            { name: 'ConnectionStrings__archive', secretRef: 'archive' }
          ]
          probes: [
            { type: 'Liveness', httpGet: { path: '/health/live', port: 8080 } }
            { type: 'Readiness', httpGet: { path: '/health/ready', port: 8080 } }
          ]
        }
      ]
    }
  }
}

output apiUrl string = 'https://${silos.properties.configuration.ingress.fqdn}'
output vaultUri string = vault.properties.vaultUri
output archiveContainer string = '${storage.properties.primaryEndpoints.blob}${archive.name}'
