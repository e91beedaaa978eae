// The nightly export (staging and decision support) as an Azure Functions app: .NET isolated worker on a Flex
// Consumption plan, integrated into the VNet. It asks a silo's operator API for the day (the silos read the log and
// pseudonymize with their HSM key) and writes the archive's dss container with its managed identity. Its own storage
// account holds the Functions host's state and the deployment package, reached only through private endpoints and
// only with that identity (no shared keys).

@description('Azure region.')
param location string

@description('Prefix of every resource name.')
param namePrefix string

@description('The export\'s user-assigned identity.')
param identityId string

@description('Its client id (AZURE_CLIENT_ID for DefaultAzureCredential).')
param identityClientId string

@description('Its principal id.')
param identityPrincipalId string

@description('The subnet for the function app\'s VNet integration.')
param subnetId string

@description('The subnet for private endpoints.')
param privateEndpointsSubnetId string

@description('Private DNS zones for blob, queue and table endpoints.')
param blobZoneId string
param queueZoneId string
param tableZoneId string

@description('Application Insights (Entra ID ingestion only).')
param insightsId string
param insightsConnectionString string

@description('App settings the export reads (besides the Functions host\'s own).')
param exportSettings object

var roles = {
  blobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  queueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  tableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  metricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

resource hostStorage 'Microsoft.Storage/storageAccounts@2026-09-01' = {
  name: take(toLower('${replace(namePrefix, '-', '')}fn${uniqueString(resourceGroup().id)}'), 24)
  location: location
  sku: { name: 'Standard_ZRS' }
  kind: 'StorageV2'
  properties: {
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    publicNetworkAccess: 'Disabled'
    networkAcls: { defaultAction: 'Deny', bypass: 'None' }
  }
}

resource hostBlobs 'Microsoft.Storage/storageAccounts/blobServices@2026-09-01' = {
  parent: hostStorage
  name: 'default'
}

// Flex Consumption deploys from a package in this container.
resource packages 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-09-01' = {
  parent: hostBlobs
  name: 'deployment-packages'
  properties: { publicAccess: 'None' }
}

resource hostStorageRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in [roles.blobDataOwner, roles.queueDataContributor, roles.tableDataContributor]: {
  scope: hostStorage
  name: guid(hostStorage.id, identityPrincipalId, role)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}]

resource insights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: last(split(insightsId, '/'))
}

resource telemetryRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: insights
  name: guid(insightsId, identityPrincipalId, roles.metricsPublisher)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.metricsPublisher)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

module endpoints 'privateEndpoint.bicep' = [for endpoint in [
  { groupId: 'blob', zone: blobZoneId }
  { groupId: 'queue', zone: queueZoneId }
  { groupId: 'table', zone: tableZoneId }
]: {
  name: '${namePrefix}-pe-fn-${endpoint.groupId}'
  params: {
    location: location
    name: '${hostStorage.name}-${endpoint.groupId}'
    targetId: hostStorage.id
    groupId: endpoint.groupId
    subnetId: privateEndpointsSubnetId
    dnsZoneId: endpoint.zone
  }
}]

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: '${namePrefix}-plan-export'
  location: location
  kind: 'functionapp'
  sku: { name: 'FC1', tier: 'FlexConsumption' }
  properties: { reserved: true }
}

resource app 'Microsoft.Web/sites@2025-03-01' = {
  name: '${namePrefix}-export'
  location: location
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    publicNetworkAccess: 'Disabled'
    virtualNetworkSubnetId: subnetId
    keyVaultReferenceIdentity: identityId
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${hostStorage.properties.primaryEndpoints.blob}${packages.name}'
          authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: identityId }
        }
      }
      // The smallest ceiling Flex Consumption takes; a timer trigger runs on one instance at a time anyway.
      scaleAndConcurrency: { maximumInstanceCount: 40, instanceMemoryMB: 2048 }
      runtime: { name: 'dotnet-isolated', version: '10.0' }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      appSettings: concat([
        // The Functions host's storage by identity: no AzureWebJobsStorage connection string with a key.
        { name: 'AzureWebJobsStorage__accountName', value: hostStorage.name }
        { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
        { name: 'AzureWebJobsStorage__clientId', value: identityClientId }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: insightsConnectionString }
        { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'Authorization=AAD;ClientId=${identityClientId}' }
        { name: 'AZURE_CLIENT_ID', value: identityClientId }
      ], map(items(exportSettings), setting => { name: setting.key, value: setting.value }))
    }
  }
  dependsOn: [hostStorageRoles, endpoints]
}

output functionAppName string = app.name
output hostStorageName string = hostStorage.name
