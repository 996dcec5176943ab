#!/usr/bin/env bash
# Rig's front door. Sets up what is missing, builds, then:
#   ./run.sh              run every suite on every available target, write the report, print where it is
#   ./run.sh test         run the project's own tests; the last line is "N passed, N failed, N skipped"
#   ./run.sh VERB ...     any other verb goes to the rig CLI: ./run.sh targets, ./run.sh run --suite apic, ./run.sh mutate
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

DEBIAN_PACKAGES=(qemu-system-x86 binutils postgresql util-linux)
RIG_DLL="$ROOT/artifacts/bin/Rig.Cli/debug/rig.dll"
TEST_TIMEOUT_SECONDS="${RIG_TEST_TIMEOUT_SECONDS:-1500}"

say() { printf 'run.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 2; }

install_missing_packages() {
  local missing=()
  for package in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "missing ${missing[*]} and no apt-get to install them (Debian/Ubuntu expected)"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "missing ${missing[*]}; run as root or install sudo"
    sudo=(sudo)
  fi
  say "installing ${missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" </dev/null
}

require_dotnet() {
  command -v dotnet >/dev/null \
    || die "dotnet not found. Rig needs the .NET 10 SDK, which Debian does not package: install it from https://dotnet.microsoft.com/download (or dotnet-install.sh) and put dotnet on PATH"
}

build() {
  say "building Rig.sln"
  dotnet build "$ROOT/Rig.sln" --nologo -v quiet -clp:ErrorsOnly </dev/null >&2
}

rig() { dotnet "$RIG_DLL" "$@"; }

# Runs every test project under tests/ and sums their TRX counters into one final line.
run_tests() {
  local results passed=0 failed=0 skipped=0 status=0
  results="$(mktemp -d)"
  trap 'rm -rf "$results"' RETURN
  while IFS= read -r project; do
    local name trx
    name="$(basename "$project" .csproj)"
    trx="$results/$name.trx"
    say "testing $name"
    if ! timeout "$TEST_TIMEOUT_SECONDS" dotnet test "$project" --no-build --nologo \
        --logger "trx;LogFileName=$trx" --logger "console;verbosity=minimal" </dev/null; then
      status=1
    fi
    if [ -f "$trx" ]; then
      # Kept for rig report: its "host faults survived" figure is read from Rig.Tests' results, not written by hand.
      mkdir -p "$ROOT/results/tests" && cp "$trx" "$ROOT/results/tests/$name.trx"
      local counters
      counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)"
      count() { printf '%s' "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
      passed=$((passed + $(count passed)))
      failed=$((failed + $(count failed) + $(count error) + $(count timeout) + $(count aborted)))
      skipped=$((skipped + $(count total) - $(count executed)))
    else
      say "$name produced no results (crashed, or ran past ${TEST_TIMEOUT_SECONDS} s): counted as one failure"
      failed=$((failed + 1))
    fi
  done < <(find "$ROOT/tests" -name '*.csproj' -not -path '*/obj/*' -not -path '*/bin/*' | sort)
  printf '%d passed, %d failed, %d skipped\n' "$passed" "$failed" "$skipped"
  [ "$failed" -eq 0 ] && [ "$status" -eq 0 ]
}

install_missing_packages
require_dotnet

if ! build; then
  say "build failed (errors above)"
  # CI reads the last line: a build that fails is a failure, not an absence of tests.
  [ "${1:-}" = test ] && printf '0 passed, 1 failed, 0 skipped\n'
  exit 2
fi

case "${1:-}" in
  "")
    # One release name for the run and its report, fixed before the run starts: a commit made meanwhile must not
    # send the report looking for a release that has no runs (the rig's own default, git describe).
    RIG_RELEASE="${RIG_RELEASE:-$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo dev)}"
    export RIG_RELEASE
    run_status=0
    rig run || run_status=$?
    [ "$run_status" -eq 2 ] && exit 2
    rig report
    exit "$run_status"
    ;;
  test)
    run_tests
    ;;
  *)
    rig "$@"
    ;;
esac
