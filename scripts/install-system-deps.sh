#!/usr/bin/env bash
# Installs the Debian packages the test suite needs (idempotent; skips what is already there).
set -euo pipefail
need=()
command -v chromium >/dev/null || need+=(chromium)
command -v jing >/dev/null || need+=(jing)
command -v xmllint >/dev/null || need+=(libxml2-utils)
command -v spamassassin >/dev/null || need+=(spamassassin)
# a real IMAP server for the mailbox poller's tests
command -v dovecot >/dev/null || need+=(dovecot-imapd)
# a real reverse proxy in front of gazette start
command -v nginx >/dev/null || need+=(nginx-light)
# the W3C Feed Validator (tools/feedvalidator) runs on Debian's Python with these modules
/usr/bin/python3 -c 'import html5lib, libxml2, rdflib' 2>/dev/null || need+=(python3-html5lib python3-libxml2 python3-rdflib)
# deploy/: the systemd unit is checked with systemd-analyze, nginx.conf's TLS server with a self-signed certificate
command -v systemd-analyze >/dev/null || need+=(systemd)
command -v openssl >/dev/null || need+=(openssl)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
