// The virtual network every part of the system lives in, its subnets, and the private DNS zones that make the
// private endpoints and the VNet-integrated PostgreSQL servers resolve inside it. Nothing here has a public address.

@description('Azure region.')
param location string

@description('Prefix of every resource name.')
param namePrefix string

@description('Address space of the virtual network (a /16 is split as below).')
param addressPrefix string = '10.40.0.0/16'

// Order matters: outputs below index this array.
var subnets = [
  // Container Apps environment with workload profiles: at least a /27, delegated to Microsoft.App/environments.
  { name: 'containerApps', prefix: cidrSubnet(addressPrefix, 23, 0), delegation: 'Microsoft.App/environments' }
  // The function app's VNet integration (Flex Consumption): delegated to Microsoft.App/environments as well.
  { name: 'functions', prefix: cidrSubnet(addressPrefix, 24, 2), delegation: 'Microsoft.App/environments' }
  // Private endpoints: the archive, the function host's storage, Key Vault and the Managed HSM.
  { name: 'privateEndpoints', prefix: cidrSubnet(addressPrefix, 24, 3), delegation: '' }
  // PostgreSQL flexible servers with private access need a subnet delegated to them. Two subnets for two trust
  // domains: the postal, commerce and membership stores; the module store and the transaction log.
  { name: 'postgresStores', prefix: cidrSubnet(addressPrefix, 24, 4), delegation: 'Microsoft.DBforPostgreSQL/flexibleServers' }
  { name: 'postgresModule', prefix: cidrSubnet(addressPrefix, 24, 5), delegation: 'Microsoft.DBforPostgreSQL/flexibleServers' }
]

// Each subnet gets its own security group; Azure's default rules (traffic inside the VNet allowed, inbound from
// the internet denied) are what this deployment relies on, so none is added here.
resource nsgs 'Microsoft.Network/networkSecurityGroups@2026-03-01' = [for subnet in subnets: {
  name: '${namePrefix}-nsg-${subnet.name}'
  location: location
  properties: {}
}]

resource vnet 'Microsoft.Network/virtualNetworks@2026-03-01' = {
  name: '${namePrefix}-vnet'
  location: location
  properties: {
    addressSpace: { addressPrefixes: [addressPrefix] }
    subnets: [for (subnet, i) in subnets: {
      name: subnet.name
      properties: {
        addressPrefix: subnet.prefix
        networkSecurityGroup: { id: nsgs[i].id }
        privateEndpointNetworkPolicies: 'Enabled'
        delegations: empty(subnet.delegation) ? [] : [{ name: subnet.name, properties: { serviceName: subnet.delegation } }]
      }
    }]
  }
}

// Private DNS: the zone names follow the cloud (environment()) wherever Azure publishes the suffix.
// Order matters: outputs below index this array.
var zoneNames = [
  'privatelink.blob.${environment().suffixes.storage}'
  'privatelink.queue.${environment().suffixes.storage}'
  'privatelink.table.${environment().suffixes.storage}'
  'privatelink${environment().suffixes.keyvaultDns}'
  'privatelink.managedhsm.azure.net'
  '${namePrefix}.private.postgres.database.azure.com'
]

resource zones 'Microsoft.Network/privateDnsZones@2024-06-01' = [for zone in zoneNames: {
  name: zone
  location: 'global'
}]

resource links 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = [for (zone, i) in zoneNames: {
  parent: zones[i]
  name: '${namePrefix}-vnet'
  location: 'global'
  properties: {
    registrationEnabled: false
    virtualNetwork: { id: vnet.id }
  }
}]

output vnetId string = vnet.id
output containerAppsSubnetId string = resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, 'containerApps')
output functionsSubnetId string = resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, 'functions')
output privateEndpointsSubnetId string = resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, 'privateEndpoints')
output postgresStoresSubnetId string = resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, 'postgresStores')
output postgresModuleSubnetId string = resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, 'postgresModule')
output blobZoneId string = zones[0].id
output queueZoneId string = zones[1].id
output tableZoneId string = zones[2].id
output vaultZoneId string = zones[3].id
output managedHsmZoneId string = zones[4].id
output postgresZoneId string = zones[5].id
