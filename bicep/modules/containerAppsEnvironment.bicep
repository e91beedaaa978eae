// The Container Apps environment the silos and the init-db job run in: workload profiles, inside the VNet, internal
// only (no public address; the HTTP API is reached from the VNet or through a gateway in front of it), zone
// redundant. Logs go to Azure Monitor and from there to Log Analytics, so no workspace key is handed out.

@description('Azure region.')
param location string

@description('Prefix of every resource name.')
param namePrefix string

@description('The subnet delegated to Microsoft.App/environments.')
param subnetId string

@description('The Log Analytics workspace.')
param workspaceId string

resource environment 'Microsoft.App/managedEnvironments@2026-07-01' = {
  name: '${namePrefix}-cae'
  location: location
  properties: {
    workloadProfiles: [
      // Dedicated profile: silos hold activations and sign indicia; they must not share cores with strangers or
      // be scaled to zero.
      { name: 'silos', workloadProfileType: 'D4', minimumCount: 3, maximumCount: 6 }
      { name: 'Consumption', workloadProfileType: 'Consumption' }
    ]
    vnetConfiguration: {
      infrastructureSubnetId: subnetId
      internal: true
    }
    zoneRedundant: true
    appLogsConfiguration: { destination: 'azure-monitor' }
  }
}

// The only stable version of diagnostic settings (2016-09-01) predates them on most resource types; the preview
// is what Azure documents for them.
#disable-next-line use-recent-api-versions
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: environment
  name: 'logs-to-workspace'
  properties: {
    workspaceId: workspaceId
    logs: [
      { category: 'ContainerAppConsoleLogs', enabled: true }
      { category: 'ContainerAppSystemLogs', enabled: true }
    ]
  }
}

output environmentId string = environment.id
output defaultDomain string = environment.properties.defaultDomain
output staticIp string = environment.properties.staticIp
