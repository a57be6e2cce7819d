#!/usr/bin/env bash
# Builds the run page into ato-server's target/generated-resources/web (served from classpath "web" at "/").
# Run by Maven in ato-server's generate-resources phase; safe to run by hand. Installs the locked npm
# packages only when node_modules does not hold exactly that lock yet, so a repeat build costs ~1 s.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
command -v node >/dev/null || { echo "web: node is missing: apt-get install nodejs (setup/packages/build.txt)" >&2; exit 1; }
command -v npm >/dev/null || { echo "web: npm is missing: install Node.js with its npm (setup/packages/build.txt)" >&2; exit 1; }
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
  touch node_modules/.package-lock.json
fi
node build.mjs
