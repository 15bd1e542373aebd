#!/usr/bin/env bash
# Packs ExternalDb.Client and the extdb dotnet tool into a temporary folder (nothing is published), checks the
# packages' metadata, installs the tool from that folder into a temporary tool path and runs it, so that packaging
# cannot rot. Exit code 0 when all of that works.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

dotnet pack src/ExternalDb.Client -c Release -o "$work/packages" --nologo -v q
dotnet pack src/ExternalDb.Cli -c Release -o "$work/packages" --nologo -v q

for package in ExternalDb.Client ExternalDb.Cli; do
  nupkg=$(ls "$work/packages/$package".[0-9]*.nupkg)
  nuspec=$(unzip -p "$nupkg" "$package.nuspec")
  for element in '<authors>' '<license type="expression">' '<readme>README.md</readme>' '<repository type="git"' '<tags>' '<description>'; do
    grep -qF "$element" <<<"$nuspec" || { echo "pack: $package.nuspec lacks $element" >&2; exit 1; }
  done
  # grep -q stops reading at the first match; under pipefail the writer's SIGPIPE would fail the check at random.
  grep -q ' README.md$' <<<"$(unzip -l "$nupkg")" || { echo "pack: $package has no README.md" >&2; exit 1; }
done
grep -q '<packageType name="DotnetTool"' <<<"$(unzip -p "$(ls "$work"/packages/ExternalDb.Cli.[0-9]*.nupkg)" ExternalDb.Cli.nuspec)" \
  || { echo "pack: ExternalDb.Cli is not a dotnet tool" >&2; exit 1; }

dotnet tool install ExternalDb.Cli --tool-path "$work/tools" --add-source "$work/packages" --ignore-failed-sources >/dev/null
version=$("$work/tools/extdb" --version)
grep -q 'import' <<<"$("$work/tools/extdb" --help)" || { echo "pack: the installed extdb does not list its commands" >&2; exit 1; }
echo "pack: ExternalDb.Client and ExternalDb.Cli packed; the installed extdb answers --version with $version"
