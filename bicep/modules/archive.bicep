// The archive: a storage account reached only through a private endpoint and only with Entra ID (no shared keys).
//   vbi-archive  transaction-log segments, signed checkpoints and daily snapshots (Vbi:Archive:Container). Written
//                once, never changed: a time-based immutability policy (WORM), locked between the stages.
//   dss          the nightly export for staging and decision support: a day may be written again (a re-run
//                replaces it), so this container has no immutability policy.

@description('Azure region.')
param location string

@description('Prefix of every resource name.')
param namePrefix string

@description('Days every archived object stays immutable after it is written.')
@minValue(1)
@maxValue(146000)
param retentionDays int

@description('True once the policy has been locked (stage 2): a locked policy can only be extended, so it is no longer declared here.')
param policyLocked bool

@description('Principal of the silos\' identity: writes and reads the archive container.')
param siloPrincipalId string

@description('Principal of the export\'s identity: writes the dss container.')
param exportPrincipalId string

@description('The subnet for private endpoints.')
param privateEndpointsSubnetId string

@description('The private DNS zone for blob endpoints.')
param blobZoneId string

var blobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'

resource account 'Microsoft.Storage/storageAccounts@2026-09-01' = {
  name: take(toLower('${replace(namePrefix, '-', '')}arch${uniqueString(resourceGroup().id)}'), 24)
  location: location
  // Geo-zone-redundant: the archive outlives a zone and a region.
  sku: { name: 'Standard_GZRS' }
  kind: 'StorageV2'
  properties: {
    accessTier: 'Hot'
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowCrossTenantReplication: false
    publicNetworkAccess: 'Disabled'
    networkAcls: { defaultAction: 'Deny', bypass: 'None' }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2026-09-01' = {
  parent: account
  name: 'default'
  properties: {
    containerDeleteRetentionPolicy: { enabled: true, days: 30 }
  }
}

resource archiveContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-09-01' = {
  parent: blobService
  name: 'vbi-archive'
  properties: { publicAccess: 'None' }
}

resource dssContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-09-01' = {
  parent: blobService
  name: 'dss'
  properties: { publicAccess: 'None' }
}

// Unlocked when first deployed (Azure creates time-based policies unlocked); stage 2 locks it with
// `az storage container immutability-policy lock`. The host writes each object once with If-None-Match: *, as
// block blobs, so protected append writes are not needed.
resource archiveRetention 'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies@2026-09-01' = if (!policyLocked) {
  parent: archiveContainer
  name: 'default'
  properties: {
    immutabilityPeriodSinceCreationInDays: retentionDays
    allowProtectedAppendWrites: false
  }
}

resource siloArchiveAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: archiveContainer
  name: guid(archiveContainer.id, siloPrincipalId, blobDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', blobDataContributor)
    principalId: siloPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource exportDssAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: dssContainer
  name: guid(dssContainer.id, exportPrincipalId, blobDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', blobDataContributor)
    principalId: exportPrincipalId
    principalType: 'ServicePrincipal'
  }
}

module blobEndpoint 'privateEndpoint.bicep' = {
  name: '${namePrefix}-pe-archive-blob'
  params: {
    location: location
    name: '${account.name}-blob'
    targetId: account.id
    groupId: 'blob'
    subnetId: privateEndpointsSubnetId
    dnsZoneId: blobZoneId
  }
}

output accountName string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
output archiveContainerName string = archiveContainer.name
output dssContainerName string = dssContainer.name
