#!/usr/bin/env bash
# Follows README.md literally so that its examples cannot rot. On a copy of the repository (the files a clone would
# have, with this working tree's changes) and with a temporary HOME, it starts the server as the README's first
# command does (on a free port, data in the copy's ./data), takes the admin key the first start prints, then runs the
# README's marked blocks in order in one bash session with `set -e`:
#
#   <!-- readme-check: run -->             the next fenced block is run (127.0.0.1:5080 becomes the server's port)
#   <!-- readme-check: expect TEXT -->     that block's output must contain TEXT (several lines allowed)
#   <!-- readme-check: allow-errors -->    that block may print API error bodies (by default one fails the block)
#   <!-- readme-check: write PATH -->      the next fenced block is written to PATH (e.g. a Program.cs)
#
# Exit code 0 when every block ran and every expectation held.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
readme="$repo/README.md"
work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill -- "-$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# The copy: tracked and untracked-but-not-ignored files, as a clone with these changes would hold.
mkdir -p "$work/repo" "$work/home" "$work/out"
(cd "$repo" && git ls-files -z -co --exclude-standard | tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -xf - -C "$work/repo"

# A reader's environment: their own HOME (global tools land there), no ExternalDb settings; the package cache is shared.
nuget_packages=${NUGET_PACKAGES:-$HOME/.nuget/packages}
if [ -f "$HOME/.nuget/NuGet/NuGet.Config" ]; then
  mkdir -p "$work/home/.nuget/NuGet" && cp "$HOME/.nuget/NuGet/NuGet.Config" "$work/home/.nuget/NuGet/"
fi
for name in $(env | sed -n 's/^\(EXTERNALDB_[A-Z_]*\|Auth__[A-Za-z_]*\|Storage__[A-Za-z_]*\|DemoAdaptor__[A-Za-z_]*\|CONFORMANCE_[A-Z_]*\|ASPNETCORE_URLS\|URLS\)=.*/\1/p'); do
  unset "$name"
done
export HOME="$work/home" NUGET_PACKAGES="$nuget_packages" DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

# The server, as the README's first command starts it (port 0: the system picks a free one).
cd "$work/repo"
setsid dotnet run --project src/ExternalDb.Server -- --urls http://127.0.0.1:0 >"$work/server.log" 2>&1 &
server_pid=$!
port=""
for _ in $(seq 1 1200); do
  port=$(sed -n 's#.*Now listening on: http://127\.0\.0\.1:\([0-9]*\).*#\1#p' "$work/server.log" | head -n 1)
  [ -n "$port" ] && curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { echo "readme: the server did not start:" >&2; cat "$work/server.log" >&2; exit 1; }
  sleep 0.5
done
[ -n "$port" ] || { echo "readme: the server did not listen within 10 minutes:" >&2; cat "$work/server.log" >&2; exit 1; }
KEY=$(grep -o 'edb_[A-Za-z0-9_-]\{30,\}' "$work/server.log" | head -n 1)
[ -n "$KEY" ] || { echo "readme: the first start printed no admin key:" >&2; cat "$work/server.log" >&2; exit 1; }
export KEY

# The marked blocks, as one script.
awk -v out="$work/out" -v port="$port" '
  function flush_markers() { run = 0; write = ""; allow = 0; n_expect = 0 }
  BEGIN {
    flush_markers(); block = 0; in_block = 0
    print "set -eEuo pipefail"
    # fd 3 is the real standard error: inside a block, 1 and 2 go to the log of the block.
    print "exec 3>&2"
    print "trap '\''echo \"readme: block $current (README line $line) failed:\" >&3; cat \"" out "/block-$current.log\" >&3'\'' ERR"
  }
  in_block && /^```/ {
    in_block = 0
    if (mode == "run") {
      print "} >\"" out "/block-" block ".log\" 2>&1"
      print "check " block " " allow_block
    } else {
      print "__README_BLOCK__"
    }
    next
  }
  in_block { gsub(/127\.0\.0\.1:5080/, "127.0.0.1:" port); print; next }
  /^<!-- readme-check: run -->/ { run = 1; next }
  /^<!-- readme-check: allow-errors -->/ { allow = 1; next }
  /^<!-- readme-check: write / { write = $0; sub(/^<!-- readme-check: write /, "", write); sub(/ -->.*$/, "", write); next }
  /^<!-- readme-check: expect / {
    text = $0; sub(/^<!-- readme-check: expect /, "", text); sub(/ -->[ \t]*$/, "", text)
    expects[++n_expect] = text; next
  }
  /^```/ {
    if (run || write != "") {
      block++; in_block = 1; allow_block = allow
      if (write != "") {
        mode = "write"
        print "mkdir -p \"$(dirname \"" write "\")\"; cat >\"" write "\" <<'\''__README_BLOCK__'\''"
      } else {
        mode = "run"
        printf "current=%d; line=%d\n", block, NR
        printf ": >\"%s/expect-%d\"\n", out, block
        for (i = 1; i <= n_expect; i++) {
          printf "cat >>\"%s/expect-%d\" <<'\''__EXPECT__'\''\n%s\n__EXPECT__\n", out, block, expects[i]
        }
        print "{"
      }
      flush_markers()
      next
    }
  }
  /^[^<]/ { flush_markers() }
' "$readme" >"$work/readme.sh"

blocks=$(grep -c '^current=' "$work/readme.sh" || true)
[ "$blocks" -gt 0 ] || { echo "readme: README.md has no <!-- readme-check: run --> blocks" >&2; exit 1; }

cat >"$work/prelude.sh" <<EOF
out="$work/out"
check() {
  local block=\$1 allow=\$2 log="$work/out/block-\$1.log"
  while IFS= read -r text; do
    [ -z "\$text" ] && continue
    if ! grep -qF -- "\$text" "\$log"; then
      echo "readme: block \$block (README line \$line): the output lacks: \$text" >&2; cat "\$log" >&2; trap - ERR; exit 1
    fi
    expectations=\$((expectations + 1))
  done <"$work/out/expect-\$block"
  if [ "\$allow" != 1 ] && grep -q '"type":"https://externaldb.dev/errors/' "\$log"; then
    echo "readme: block \$block (README line \$line) answered an API error:" >&2; cat "\$log" >&2; trap - ERR; exit 1
  fi
}
expectations=0
EOF
echo 'echo "readme: $current blocks of README.md ran, $expectations expectations held"' >>"$work/readme.sh"

bash -c "source '$work/prelude.sh'; source '$work/readme.sh'"
