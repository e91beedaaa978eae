// Stage 1 for an example environment: production in East US 2. Copy this file per environment.
// The passwords are read at deployment time from a Key Vault the deployers already own (enabled for template
// deployment); they never appear in this file, in the command line or in the deployment's history.
using 'main.bicep'

var deploymentSecrets = {
  subscriptionId: '00000000-0000-0000-0000-000000000000'
  resourceGroup: 'vbi-deploy'
  vault: 'vbi-deploy-secrets'
}

param namePrefix = 'vbiprod'
param location = 'eastus2'
param image = 'vbiregistry.azurecr.io/vbiorleans-host:0.1.0'
param registryServer = 'vbiregistry.azurecr.io'
param siloCount = 3

param operatorName = 'alice'
// printf '%s' "$KEY" | sha256sum
param operatorKeySha256 = '0000000000000000000000000000000000000000000000000000000000000000'

param storesAdminGroupObjectId = '11111111-1111-1111-1111-111111111111'
param storesAdminGroupName = 'vbi-postgres-stores-admins'
param moduleAdminGroupObjectId = '22222222-2222-2222-2222-222222222222'
param moduleAdminGroupName = 'vbi-postgres-module-admins'

param storesAdministratorPassword = az.getSecret(deploymentSecrets.subscriptionId, deploymentSecrets.resourceGroup, deploymentSecrets.vault, 'pg-stores-admin')
param moduleAdministratorPassword = az.getSecret(deploymentSecrets.subscriptionId, deploymentSecrets.resourceGroup, deploymentSecrets.vault, 'pg-module-admin')
param siloStoresPassword = az.getSecret(deploymentSecrets.subscriptionId, deploymentSecrets.resourceGroup, deploymentSecrets.vault, 'pg-stores-vbi-silo')
param siloModulePassword = az.getSecret(deploymentSecrets.subscriptionId, deploymentSecrets.resourceGroup, deploymentSecrets.vault, 'pg-module-vbi-silo')
param exportOperatorKey = az.getSecret(deploymentSecrets.subscriptionId, deploymentSecrets.resourceGroup, deploymentSecrets.vault, 'export-operator-key')
// printf '%s' "$EXPORT_KEY" | sha256sum
param exportOperatorKeySha256 = '1111111111111111111111111111111111111111111111111111111111111111'

// The three (or more) security officers who hold the security domain's RSA keys.
param hsmAdministratorObjectIds = [
  '33333333-3333-3333-3333-333333333333'
  '44444444-4444-4444-4444-444444444444'
  '55555555-5555-5555-5555-555555555555'
]
// The officers' workstation while the security domain is activated; set to [] and deploy again after stage 2.
param hsmAdminIpRanges = ['203.0.113.0/29']

param archiveRetentionDays = 2555
param archivePolicyLocked = false
