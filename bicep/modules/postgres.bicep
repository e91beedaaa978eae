// One Azure Database for PostgreSQL flexible server: private access only (VNet integration through a delegated
// subnet and a private DNS zone, no public network access), Entra ID authentication with a group as administrator,
// zone-redundant high availability (a synchronous standby in another zone) and geo-redundant backups.

@description('Azure region.')
param location string

@description('Server name.')
param name string

@description('The databases this server holds.')
param databases array

@description('The subnet delegated to Microsoft.DBforPostgreSQL/flexibleServers.')
param subnetId string

@description('The private DNS zone (*.private.postgres.database.azure.com).')
param dnsZoneId string

@description('Object id of the Entra ID group that administers this server.')
param entraAdminGroupObjectId string

@description('Display name of that group.')
param entraAdminGroupName string

@description('Login of the built-in password administrator. The host authenticates with database passwords (see docs/deploy-azure.md), so password authentication stays enabled beside Entra ID.')
param administratorLogin string

@description('Its password.')
@secure()
param administratorPassword string

@description('Compute size.')
param skuName string

@description('Storage in GiB.')
param storageSizeGB int

@description('PostgreSQL major version (the test suite runs 15).')
param version string

resource server 'Microsoft.DBforPostgreSQL/flexibleServers@2025-08-01' = {
  name: name
  location: location
  sku: { name: skuName, tier: 'GeneralPurpose' }
  properties: {
    version: version
    administratorLogin: administratorLogin
    administratorLoginPassword: administratorPassword
    authConfig: {
      activeDirectoryAuth: 'Enabled'
      passwordAuth: 'Enabled'
      tenantId: tenant().tenantId
    }
    network: {
      delegatedSubnetResourceId: subnetId
      privateDnsZoneArmResourceId: dnsZoneId
      publicNetworkAccess: 'Disabled'
    }
    storage: { storageSizeGB: storageSizeGB, autoGrow: 'Enabled' }
    backup: { backupRetentionDays: 35, geoRedundantBackup: 'Enabled' }
    highAvailability: { mode: 'ZoneRedundant' }
  }
}

resource entraAdmin 'Microsoft.DBforPostgreSQL/flexibleServers/administrators@2025-08-01' = {
  parent: server
  name: entraAdminGroupObjectId
  properties: {
    principalName: entraAdminGroupName
    principalType: 'Group'
    tenantId: tenant().tenantId
  }
}

// Connections only over TLS.
resource secureTransport 'Microsoft.DBforPostgreSQL/flexibleServers/configurations@2025-08-01' = {
  parent: server
  name: 'require_secure_transport'
  properties: { value: 'on', source: 'user-override' }
}

@batchSize(1)
resource dbs 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2025-08-01' = [for db in databases: {
  parent: server
  name: db
  properties: { charset: 'UTF8', collation: 'en_US.utf8' }
  dependsOn: [entraAdmin, secureTransport]
}]

output serverName string = server.name
output fqdn string = server.properties.fullyQualifiedDomainName
