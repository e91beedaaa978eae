#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs and starts the local services (PostgreSQL 15, Azurite, SoftHSM2,
# the barcode readers), builds in Release and runs every test project against the real services.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

command -v dotnet >/dev/null || { echo "error: the .NET 10 SDK (dotnet) is not on PATH" >&2; exit 1; }

infra/local/services.sh start
# shellcheck disable=SC1091
source infra/local/.state/env

# The portal's browser tests (tests/VbiOrleans.Portal.Tests) drive Debian's chromium by its path; Playwright never
# downloads a browser of its own.
if ! dpkg -s chromium >/dev/null 2>&1; then
  [ "$(id -u)" -eq 0 ] || { echo "error: need root to install chromium (apt-get)" >&2; exit 1; }
  echo "test.sh: installing chromium"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build VbiOrleans.sln -c Release -nologo -v q

results="$repo/TestResults/run-$(date +%Y%m%dT%H%M%S)"
status=0
dotnet test VbiOrleans.sln -c Release --no-build --nologo \
  --logger "console;verbosity=normal" --logger trx --results-directory "$results" || status=$?

# One closing line for humans and CI: the totals over every test project.
passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  t=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters"); e=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${t:-0} - ${e:-0}))
done
# The failures again, last, so that the tail of the log a CI summary keeps says which tests failed and why.
if [ "$failed" -gt 0 ]; then
  echo "--- the $failed failed test(s) ---"
  perl infra/trx-failures.pl "$results"/*.trx
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "--- dotnet test exited $status with no failed test recorded: a test host crashed or its run was aborted; the lines above say which project and why ---"
fi
echo "$passed passed, $failed failed, $skipped skipped"
if [ "$passed" -eq 0 ]; then echo "error: no test ran" >&2; exit 1; fi
exit "$status"
