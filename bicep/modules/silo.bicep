// One Orleans silo as one container app, as the Orleans guidance for Azure Container Apps has it: a replica has
// no address of its own that other replicas could be told, so each silo is its own app with exactly one replica,
// never scaled to zero. The silo advertises its replica's address (Vbi:Cluster:AdvertisedIp=auto), which other
// silos connect to directly; TCP ingress carries the silo port and additional port mappings the gateway (both
// inside the environment only) and the HTTP API (reachable from the VNet: the environment itself is internal).

@description('Azure region.')
param location string

@description('Name of the container app (also the silo\'s name in the membership table).')
param name string

@description('The Container Apps environment.')
param environmentId string

@description('Workload profile the silo runs on.')
param workloadProfileName string

@description('The host image (infra/Dockerfile).')
param image string

@description('Registry login server the image is pulled from with the silo identity (AcrPull); empty for a public image.')
param registryServer string

@description('The silos\' user-assigned identity.')
param identityId string

@description('Silo-to-silo port.')
param siloPort int

@description('Orleans gateway port (clients such as vbi-admin).')
param gatewayPort int

@description('HTTP API port inside the container.')
param httpPort int

@description('Added to each port where the environment exposes it: TCP ports are exposed on the environment\'s one address, so no two apps may expose the same port.')
param exposedPortOffset int

@description('This silo\'s crypto-module serial in the module table (Vbi:Module:Serial).')
param moduleSerial string

@description('Environment variables every silo shares (name/value or name/secretRef).')
param sharedEnv array

@description('Key Vault references: name, keyVaultUrl.')
param secretReferences array

@description('vCPUs and memory of the container.')
param cpu string
param memory string

resource app 'Microsoft.App/containerApps@2026-07-01' = {
  name: name
  location: location
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    environmentId: environmentId
    workloadProfileName: workloadProfileName
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: {
        external: false
        transport: 'tcp'
        targetPort: siloPort
        exposedPort: siloPort + exposedPortOffset
        additionalPortMappings: [
          { external: false, targetPort: gatewayPort, exposedPort: gatewayPort + exposedPortOffset }
          { external: true, targetPort: httpPort, exposedPort: httpPort + exposedPortOffset }
        ]
      }
      secrets: [for secret in secretReferences: {
        name: secret.name
        keyVaultUrl: secret.keyVaultUrl
        identity: identityId
      }]
      registries: empty(registryServer) ? [] : [{ server: registryServer, identity: identityId }]
    }
    template: {
      // One replica, always: a second replica of this app would be a second silo under the same name.
      scale: { minReplicas: 1, maxReplicas: 1 }
      containers: [
        {
          name: 'host'
          image: image
          resources: { cpu: json(cpu), memory: memory }
          env: concat(sharedEnv, [
            { name: 'Vbi__Cluster__SiloName', value: name }
            { name: 'Vbi__Module__Serial', value: moduleSerial }
          ])
          probes: [
            { type: 'Startup', httpGet: { path: '/health/live', port: httpPort }, periodSeconds: 5, failureThreshold: 60 }
            { type: 'Liveness', httpGet: { path: '/health/live', port: httpPort }, periodSeconds: 10 }
            { type: 'Readiness', httpGet: { path: '/health/ready', port: httpPort }, periodSeconds: 5 }
          ]
        }
      ]
    }
  }
}

output fqdn string = app.properties.configuration.ingress.fqdn
output httpPort int = httpPort + exposedPortOffset
