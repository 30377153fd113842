#!/usr/bin/env bash
# Installs the baselines the benchmarks compare gazette against (idempotent; skips what is there):
# Debian's hugo, nginx, wrk and postfix (smtp-sink/smtp-source; no MTA daemon is started), and
# Eleventy 3 with its RSS plugin from the npm registry into bench/eleventy/, outside the project's
# own dependencies.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"

need=()
command -v hugo >/dev/null || need+=(hugo)
[ -x /usr/sbin/nginx ] || need+=(nginx)
command -v wrk >/dev/null || need+=(wrk)
[ -x /usr/sbin/smtp-sink ] || need+=(postfix)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  # Postfix asks how to configure the MTA; "No configuration" installs the tools without a daemon.
  echo 'postfix postfix/main_mailer_type select No configuration' | debconf-set-selections
  apt-get update -qq
  # policy-rc.d keeps the package scripts from starting nginx (or anything else) as a service.
  policy="/usr/sbin/policy-rc.d"
  made_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && made_policy=1
  fi
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || { [ $made_policy = 1 ] && rm -f "$policy"; exit 1; }
  [ $made_policy = 1 ] && rm -f "$policy"
fi

eleventy="$here/bench/eleventy"
if [ ! -e "$eleventy/node_modules/@11ty/eleventy/package.json" ] || [ ! -e "$eleventy/node_modules/@11ty/eleventy-plugin-rss/package.json" ]; then
  (cd "$eleventy" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
fi
