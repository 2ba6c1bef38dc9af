#!/usr/bin/env bash
# Sets up everything the tests need (dotnet SDK, Debian packages, the npm interop peer), then runs every test.
set -euo pipefail
cd "$(dirname "$0")"
./setup.sh
dotnet test Shoal.slnx -c Release --logger "trx" --results-directory TestResults -- RunConfiguration.TestSessionTimeout=1500000
