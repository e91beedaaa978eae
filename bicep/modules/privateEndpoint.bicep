// One private endpoint for one sub-resource (groupId) of a resource, registered in its private DNS zone.

@description('Azure region.')
param location string

@description('Name of the private endpoint.')
param name string

@description('The resource the endpoint reaches.')
param targetId string

@description('Its sub-resource: blob, queue, table, vault, managedhsm.')
param groupId string

@description('The subnet for private endpoints.')
param subnetId string

@description('The private DNS zone the endpoint registers its address in.')
param dnsZoneId string

resource endpoint 'Microsoft.Network/privateEndpoints@2026-03-01' = {
  name: name
  location: location
  properties: {
    subnet: { id: subnetId }
    privateLinkServiceConnections: [
      {
        name: name
        properties: {
          privateLinkServiceId: targetId
          groupIds: [groupId]
        }
      }
    ]
  }
}

resource zoneGroup 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2026-03-01' = {
  parent: endpoint
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [{ name: groupId, properties: { privateDnsZoneId: dnsZoneId } }]
  }
}
