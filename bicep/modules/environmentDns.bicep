// The private DNS zone of an internal Container Apps environment: its default domain, every name pointing at the
// environment's static address, linked to the VNet so the function app (outside the environment) finds the silos.

@description('The environment\'s default domain.')
param domain string

@description('The environment\'s static (internal) IP address.')
param staticIp string

@description('The virtual network to link.')
param vnetId string

resource zone 'Microsoft.Network/privateDnsZones@2024-06-01' = {
  name: domain
  location: 'global'
}

resource wildcard 'Microsoft.Network/privateDnsZones/A@2024-06-01' = {
  parent: zone
  name: '*'
  properties: {
    ttl: 300
    aRecords: [{ ipv4Address: staticIp }]
  }
}

resource link 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = {
  parent: zone
  name: 'vnet'
  location: 'global'
  properties: {
    registrationEnabled: false
    virtualNetwork: { id: vnetId }
  }
}

output domain string = zone.name
