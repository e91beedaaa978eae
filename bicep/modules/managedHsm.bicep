// Stage 1 of the keys: the Managed HSM resource. It deploys here but serves no key operation until its security
// domain is activated (`az keyvault security-domain download` with at least 3 RSA public keys and a quorum, see
// docs/deploy-azure.md); data-plane roles and the keys come after that, in stage 2.

@description('Azure region.')
param location string

@description('Prefix of every resource name.')
param namePrefix string

@description('Object ids of the HSM administrators (the security officers who activate the security domain).')
@minLength(1)
param administratorObjectIds array

@description('Public IP ranges (CIDR) that may reach the data plane, e.g. the security officers\' workstation for activation. Empty: the private endpoint only.')
param adminIpRanges array

@description('The subnet for private endpoints.')
param privateEndpointsSubnetId string

@description('The private DNS zone for Managed HSM.')
param managedHsmZoneId string

resource hsm 'Microsoft.KeyVault/managedHSMs@2026-05-15' = {
  name: take('${namePrefix}-hsm-${uniqueString(resourceGroup().id)}', 24)
  location: location
  sku: { family: 'B', name: 'Standard_B1' }
  properties: {
    tenantId: tenant().tenantId
    initialAdminObjectIds: administratorObjectIds
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: empty(adminIpRanges) ? 'Disabled' : 'Enabled'
    networkAcls: {
      // AzureServices: the resource provider creates the stage-2 keys on the deployer's behalf.
      bypass: 'AzureServices'
      defaultAction: 'Deny'
      ipRules: [for range in adminIpRanges: { value: range }]
    }
  }
}

module endpoint 'privateEndpoint.bicep' = {
  name: '${namePrefix}-pe-hsm'
  params: {
    location: location
    name: '${hsm.name}-hsm'
    targetId: hsm.id
    groupId: 'managedhsm'
    subnetId: privateEndpointsSubnetId
    dnsZoneId: managedHsmZoneId
  }
}

output hsmName string = hsm.name
output hsmUri string = hsm.properties.hsmUri
