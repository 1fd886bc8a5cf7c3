#!/usr/bin/env bash
# Install the dbt packages of packages.yml from the dbt hub; when the hub cannot be
# reached (air-gapped sites, CI), install the offline stand-ins from offline_packages/.
set -uo pipefail
dbt=${1:-dbt}
cd "$(dirname "$0")/.." || exit 2
export DBT_PROFILES_DIR="$PWD"
if timeout 120 "$dbt" deps --quiet >logs_deps.tmp 2>&1; then
    rm -f logs_deps.tmp
    echo "dbt packages installed from the dbt hub"
    exit 0
fi
reason=$(grep -m1 -oE "NameResolutionError|Max retries exceeded|ConnectionError|timed out" logs_deps.tmp || echo "dbt deps failed")
rm -f logs_deps.tmp
rm -rf dbt_packages
mkdir -p dbt_packages
cp -R offline_packages/dbt_utils offline_packages/dbt_expectations dbt_packages/
echo "WARNING: the dbt hub is unreachable ($reason): using the offline fallback packages in"
echo "         offline_packages/ (dbt_utils, dbt_expectations: the tests this project uses)."
