#!/usr/bin/env bash
# Regenerates the public API files of the packages (PublicAPI.Shipped.txt, PublicAPI.Unshipped.txt; checked by
# Microsoft.CodeAnalysis.PublicApiAnalyzers on every build) from their current public surface: every public symbol
# goes to PublicAPI.Shipped.txt and PublicAPI.Unshipped.txt is left empty. Run it after a change of the public surface
# that is meant (a type moved to ExternalDb.Protocol, a new SDK method), then review the diff of the two files: it
# is the change of the packages' API. Usage: .ci/public-api.sh [project folder...] (default: both packages).
set -euo pipefail
cd "$(dirname "$0")/.."
projects=("$@")
[ ${#projects[@]} -gt 0 ] || projects=(src/ExternalDb.Client src/ExternalDb.Adaptor)

for project in "${projects[@]}"; do
  shipped="$project/PublicAPI.Shipped.txt"
  unshipped="$project/PublicAPI.Unshipped.txt"
  # Start from nothing declared: the analyzer then reports every public symbol as undeclared (RS0016), and its code
  # fix, run by `dotnet format`, writes each one into PublicAPI.Unshipped.txt.
  printf '#nullable enable\n' > "$shipped"
  : > "$unshipped"
  dotnet format analyzers "$project" --diagnostics RS0016 --severity warn --verbosity quiet || true
  # Everything current is shipped.
  { printf '#nullable enable\n'; grep -v -e '^#nullable' -e '^$' "$unshipped" | LC_ALL=C sort -u; } > "$shipped"
  : > "$unshipped"
  echo "$shipped: $(($(wc -l < "$shipped") - 1)) symbols"
done
# The build fails if the files and the code disagree (RS0016 undeclared, RS0017 declared but gone).
for project in "${projects[@]}"; do
  dotnet build "$project" --nologo -v q
done
