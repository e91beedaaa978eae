#!/usr/bin/env bash
# Runs the built VbiOrleans host with the given arguments (build first if it is missing).
#   infra/local/host.sh [--urls http://127.0.0.1:PORT] [--Vbi:Profile=Cluster ...]
#   infra/local/host.sh init-db
# It execs dotnet, so the process id is the host's own: signals (and SIGKILL in the fault tests) reach it directly.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
config="${VBI_BUILD_CONFIGURATION:-Release}"
dll="$repo/src/VbiOrleans.Host/bin/$config/net10.0/VbiOrleans.Host.dll"
if [ ! -f "$dll" ]; then
  dotnet build "$repo/src/VbiOrleans.Host/VbiOrleans.Host.csproj" -c "$config" -nologo -v q >&2
fi
cd "$repo/src/VbiOrleans.Host"
# Tier hot methods up as soon as they are hot: by default the runtime waits until no new method has been compiled for
# 100 ms, which a busy silo rarely sees, and keeps running its first, unoptimized code (docs/performance.md).
export DOTNET_TC_CallCountingDelayMs="${DOTNET_TC_CallCountingDelayMs:-0}"
exec dotnet "$dll" "$@"
