#!/usr/bin/env bash
# Shoal's main job: set up this machine (./setup.sh), then run the headline Lab scenario, bench/scenarios/image-32.yaml
# (a 300 MiB image from 1 seeder to 32 leechers on 1 Gbit/s links), on the embedded deterministic simulator for every
# strategy, print its report, and write it with plots, traces and flame graphs to reports/image-32/.
# Extra arguments go to `shoal lab run` (e.g. --strategies shoal,registry --seed 7 --repetitions 3).
set -euo pipefail
cd "$(dirname "$0")"
./setup.sh
dotnet build src/Shoal.Cli/Shoal.Cli.csproj -c Release --nologo -v quiet -clp:ErrorsOnly
exec dotnet src/Shoal.Cli/bin/Release/net10.0/shoal.dll lab run bench/scenarios/image-32.yaml --out reports/image-32 "$@"
