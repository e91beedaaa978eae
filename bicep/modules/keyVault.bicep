// The Key Vault that holds the deployment's secrets (the PostgreSQL connection strings of the silos' and the
// export's database roles). Container Apps and the function app read them as Key Vault references with their
// managed identities; nothing else holds them. The keys of the system are not here: they live in the Managed HSM.

@description('Azure region.')
param location string

@description('Prefix of every resource name.')
param namePrefix string

@description('Secret name to value; written as Key Vault secrets.')
@secure()
param secrets object

@description('Principals (the silos\' and the export\'s identities) that read secrets.')
param readerPrincipalIds array

@description('The subnet for private endpoints.')
param privateEndpointsSubnetId string

@description('The private DNS zone for Key Vault.')
param vaultZoneId string

var secretsUser = '4633458b-17de-408a-b874-0445c86b69e6'

resource vault 'Microsoft.KeyVault/vaults@2026-05-15' = {
  name: take('${namePrefix}-kv-${uniqueString(resourceGroup().id)}', 24)
  location: location
  properties: {
    tenantId: tenant().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: 'Disabled'
    networkAcls: { defaultAction: 'Deny', bypass: 'AzureServices' }
  }
}

resource secretValues 'Microsoft.KeyVault/vaults/secrets@2026-05-15' = [for secret in items(secrets): {
  parent: vault
  name: secret.key
  properties: {
    value: secret.value
    contentType: 'text/plain'
  }
}]

resource readers 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for principalId in readerPrincipalIds: {
  scope: vault
  name: guid(vault.id, principalId, secretsUser)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsUser)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}]

module endpoint 'privateEndpoint.bicep' = {
  name: '${namePrefix}-pe-vault'
  params: {
    location: location
    name: '${vault.name}-vault'
    targetId: vault.id
    groupId: 'vault'
    subnetId: privateEndpointsSubnetId
    dnsZoneId: vaultZoneId
  }
}

output vaultName string = vault.name
output vaultUri string = vault.properties.vaultUri
