#!/usr/bin/env bash
# Packs what a bare GPU machine without the .NET SDK needs to run the GPU checks (tools/gpu/device-run.sh):
# the .NET runtime of this machine, the Release builds of the CLI, the tests and the benchmarks, and the xUnit
# console runner. Writes .gpu/ in the repository root (git-ignored through .git/info/exclude), under 64 MiB.
# Usage: tools/gpu/pack.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
out=.gpu
mkdir -p "$out" .git/info
grep -qx '/.gpu/' .git/info/exclude 2>/dev/null || echo '/.gpu/' >>.git/info/exclude

dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
runtime=$(ls -d "$dotnet_root"/shared/Microsoft.NETCore.App/10.* | sort -V | tail -1)
if [ ! -f "$out/dotnet-$(basename "$runtime").tar.xz" ]; then
  rm -f "$out"/dotnet-*.tar.xz
  echo "packing the .NET runtime $(basename "$runtime")"
  tar -C "$dotnet_root" -cJf "$out/dotnet-$(basename "$runtime").tar.xz" dotnet host "shared/Microsoft.NETCore.App/$(basename "$runtime")"
fi

# The xUnit v2 console runner (netcoreapp2.0 build, run on .NET 10 with roll-forward): restored once into a scratch project.
runner=$HOME/.nuget/packages/xunit.runner.console/2.4.1/tools/netcoreapp2.0
if [ ! -f "$runner/xunit.console.dll" ]; then
  scratch=$(mktemp -d)
  printf '%s\n' '<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup><TargetFramework>net10.0</TargetFramework>' \
    '<ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally></PropertyGroup><ItemGroup>' \
    '<PackageReference Include="xunit.runner.console" Version="2.4.1" /></ItemGroup></Project>' >"$scratch/r.csproj"
  dotnet restore "$scratch/r.csproj" -v q >/dev/null
  rm -rf "$scratch"
fi

dotnet build BertCore.sln -c Release -nologo -v q
stage=$(mktemp -d)
# Laid out as in the repository (the tests find the CLI and the repository root from their own folder).
for p in src/BertCore.Cli tests/BertCore.Tests benchmarks/BertCore.Benchmarks; do
  mkdir -p "$stage/$p/bin/Release/net10.0"
  cp -r "$p/bin/Release/net10.0/." "$stage/$p/bin/Release/net10.0/"
done
xunit=$stage/tests/BertCore.Tests/bin/Release/net10.0/xunit-runner
mkdir -p "$xunit" && cp -r "$runner/." "$xunit/"
# Satellite resource folders, symbols, docs and other platforms' native libraries are not needed there.
find "$stage" \( -name '*.pdb' -o -name '*.xml' \) -delete
find "$stage" -path '*/net10.0/*' -prune -type d \( -name '??' -o -name '??-*' -o -name '???-*' -o -name 'arm64' -o -name 'x86' \) -exec rm -rf {} +
tar -C "$stage" -cJf "$out/app.tar.xz" .
rm -rf "$stage"
du -ch "$out"/* | tail -1
