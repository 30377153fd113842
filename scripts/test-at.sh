#!/usr/bin/env bash
# Runs the test suite (or the vitest arguments given after --) with the clock moved to each instant given, to find tests
# that pass only on some days or hours: a weekly slot, a local midnight, a year's end.
#
#   bash scripts/test-at.sh "2027-01-04 04:30Z" "2026-12-31 20:30Z" [-- tests/e2e/start-worker.test.ts]
#
# The clock is moved with libfaketime (Debian's faketime package, installed when missing) by an offset from the real
# time, so every process the tests start agrees on the time and sees it pass. PostgreSQL keeps the real clock; gazette
# never asks it the time.
set -euo pipefail
cd "$(dirname "$0")/.."

instants=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do instants+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
if [ ${#instants[@]} -eq 0 ]; then
  echo 'usage: bash scripts/test-at.sh INSTANT... [-- VITEST-ARGS...]   (INSTANT as date -d reads it, e.g. "2027-01-04 04:30Z")' >&2
  exit 64
fi

library=$(dpkg -L libfaketime 2>/dev/null | grep '/libfaketime\.so\.1$' | head -1 || true)
if [ -z "$library" ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends faketime >/dev/null
  library=$(dpkg -L libfaketime | grep '/libfaketime\.so\.1$' | head -1)
fi

failed=0
for instant in "${instants[@]}"; do
  target=$(date -u -d "$instant" +%s)
  echo "== tests at $(date -u -d "@$target" '+%Y-%m-%d %H:%M:%S UTC (%A)')"
  # A number of seconds from now: libfaketime re-reads it in each process, which starts at the same moved clock.
  if FAKETIME="+$((target - $(date +%s)))" LD_PRELOAD="$library" npx vitest run "$@"; then
    echo "== passed at $instant"
  else
    echo "== FAILED at $instant"
    failed=1
  fi
done
exit $failed
