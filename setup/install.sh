#!/usr/bin/env bash
# setup/install.sh [--with-nginx] — set up a Debian host to serve ATO from this checkout.
# Idempotent. As root: installs the Debian packages (build, runtime, languages), builds the project,
# creates /var/lib/ato and /etc/ato/config.yaml, installs and starts the systemd unit, and with
# --with-nginx also the nginx site.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ "$(id -u)" -eq 0 ] || { echo "install: run as root" >&2; exit 1; }
WITH_NGINX=0
for a in "$@"; do
  case "$a" in
    --with-nginx) WITH_NGINX=1 ;;
    *) echo "install: unknown option $a" >&2; exit 2 ;;
  esac
done

"$ROOT/setup/install-packages.sh" build runtime languages
"$ROOT/ato" build

install -d -m 0700 /var/lib/ato
install -d -m 0755 /etc/ato
if [ ! -f /etc/ato/config.yaml ]; then
  install -m 0644 "$ROOT/setup/config.yaml" /etc/ato/config.yaml
fi

if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
  sed "s|@ROOT@|$ROOT|g" "$ROOT/setup/systemd/ato.service" > /etc/systemd/system/ato.service
  systemctl daemon-reload
  systemctl enable --now ato.service
  echo "install: ato.service enabled and started"
else
  echo "install: no systemd here; start the server with: $ROOT/ato serve --config /etc/ato/config.yaml"
fi

if [ "$WITH_NGINX" -eq 1 ]; then
  "$ROOT/setup/install-packages.sh" nginx
  install -m 0644 "$ROOT/setup/nginx/ato.conf" /etc/nginx/sites-available/ato
  ln -sf /etc/nginx/sites-available/ato /etc/nginx/sites-enabled/ato
  nginx -t && { systemctl reload nginx 2>/dev/null || nginx -s reload 2>/dev/null || nginx; }
  echo "install: nginx site installed"
fi
