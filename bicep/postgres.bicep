// One PostgreSQL 15 flexible server with zone-redundant high availability (a synchronous standby) and the
// databases the stores need.

param name string
param location string
param adminLogin string
@secure()
param adminPassword string
param databases array

resource server 'Microsoft.DBforPostgreSQL/flexibleServers@2023-06-01-preview' = {
  name: name
  location: location
  sku: { name: 'Standard_D2ds_v5', tier: 'GeneralPurpose' }
  properties: {
    version: '15'
    administratorLogin: adminLogin
    administratorLoginPassword: adminPassword
    storage: { storageSizeGB: 128, autoGrow: 'Enabled' }
    backup: { backupRetentionDays: 35, geoRedundantBackup: 'Enabled' }
    highAvailability: { mode: 'ZoneRedundant' }
  }
}

resource allowAzure 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2023-06-01-preview' = {
  parent: server
  name: 'allow-azure-services'
  properties: { startIpAddress: '0.0.0.0', endIpAddress: '0.0.0.0' }
}

resource dbs 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2023-06-01-preview' = [for db in databases: {
  parent: server
  name: db
  properties: { charset: 'UTF8', collation: 'en_US.utf8' }
}]

output fqdn string = server.properties.fullyQualifiedDomainName
