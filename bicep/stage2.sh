#!/usr/bin/env bash
# Stage 2 of the Azure deployment, after the Managed HSM's security domain is activated (docs/deploy-azure.md):
#   1. bicep/stage2.bicep: the keys, made in the HSM by the resource provider on the deployer's behalf (who gets the
#      Crypto User role for it first);
#   2. the silos' data-plane role on the keys (Managed HSM local RBAC has no ARM resource type, so it is assigned here);
#   3. the archive container's immutability policy locked (an ARM action, not a declarable state).
# Usage: bicep/stage2.sh <resource-group> <stage-1 deployment name> [stage2.bicepparam]
set -euo pipefail
rg=$1 deployment=$2 params=${3:-"$(dirname "$0")/stage2.bicepparam"}

out() { az deployment group show -g "$rg" -n "$deployment" --query "properties.outputs.$1.value" -o tsv; }
hsm=$(out hsmName)
silo=$(out siloPrincipalId)
account=$(out archiveAccountName)
container=$(out archiveContainerName)
me=$(az ad signed-in-user show --query id -o tsv)

role() { # role, principal, scope [, principal type]
  az keyvault role assignment create --hsm-name "$hsm" --role "$1" --assignee-object-id "$2" \
    --assignee-principal-type "${4:-ServicePrincipal}" --scope "$3" -o none
}
# The deployer creates the keys (stage2.bicep) and needs Crypto User on /keys for that.
role "Managed HSM Crypto User" "$me" /keys User
az deployment group create -g "$rg" -n "$deployment-stage2" -f "$(dirname "$0")/stage2.bicep" -p "$params" -o none

# The silos use the keys and make any key a later version needs on first use (Crypto User on /keys). The export
# holds no key role: it reads through a silo's operator API, and the silos pseudonymize.
role "Managed HSM Crypto User" "$silo" /keys

# Lock the WORM policy: from now on it can be extended, never shortened or removed.
etag=$(az storage container immutability-policy show --account-name "$account" -c "$container" -g "$rg" --query etag -o tsv)
az storage container immutability-policy lock --account-name "$account" -c "$container" -g "$rg" --if-match "$etag" -o none

# The deployer's key rights were for stage 2 only.
az keyvault role assignment delete --hsm-name "$hsm" --role "Managed HSM Crypto User" --assignee-object-id "$me" --scope /keys
echo "stage 2 done: keys created in $hsm, roles assigned, $account/$container locked; set archivePolicyLocked=true in the parameters"
