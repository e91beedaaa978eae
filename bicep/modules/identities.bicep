// The user-assigned managed identities: one for the silos (and their init-db job), one for the nightly export.
// Separate identities so that each gets only its own data: the export never holds the silos' keys or stores.

@description('Azure region.')
param location string

@description('Prefix of every resource name.')
param namePrefix string

resource silo 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: '${namePrefix}-id-silo'
  location: location
}

resource export 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: '${namePrefix}-id-export'
  location: location
}

output siloId string = silo.id
output siloPrincipalId string = silo.properties.principalId
output siloClientId string = silo.properties.clientId
output exportId string = export.id
output exportPrincipalId string = export.properties.principalId
output exportClientId string = export.properties.clientId
