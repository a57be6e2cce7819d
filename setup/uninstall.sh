#!/usr/bin/env bash
# setup/uninstall.sh [--purge]
# Removes what setup/install.sh made, as root: the service (stopped, disabled, unit removed), /opt/ato and the
# /usr/local/bin/ato link, the nginx site and snippet (and enables Debian's default site again when install.sh had
# disabled it), /run/ato, and /var/lib/ato except the image store (/var/lib/ato/images). /etc/ato/config.yaml is
# removed when it is still the file install.sh put there, kept (and named) when it was edited.
#   --purge   also the image store, /var/lib/ato and /etc/ato whatever they hold
# Debian packages install.sh installed are left: other software may use them.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MANIFEST=/etc/ato/install.manifest
say() { echo "uninstall: $*" >&2; }
PURGE=0
for a in "$@"; do
  case "$a" in
    --purge) PURGE=1 ;;
    *) echo "uninstall: unknown option $a (usage: uninstall.sh [--purge])" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "uninstall: run as root" >&2; exit 1; }
made() { [ -f "$MANIFEST" ] && grep -q "^$1 " "$MANIFEST"; }

if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
  if [ -f /etc/systemd/system/ato.service ]; then
    systemctl disable --now ato.service || true
    rm -f /etc/systemd/system/ato.service
    systemctl daemon-reload
    systemctl reset-failed ato.service 2>/dev/null || true
    say "ato.service stopped and removed"
  fi
fi

if [ -L /usr/local/bin/ato ] && [ "$(readlink /usr/local/bin/ato)" = /opt/ato/bin/ato ]; then rm -f /usr/local/bin/ato; fi
rm -rf /opt/ato /opt/ato.old /opt/ato.new.*

if [ -e /etc/nginx/sites-available/ato ] || [ -e /etc/nginx/sites-enabled/ato ]; then
  rm -f /etc/nginx/sites-enabled/ato /etc/nginx/sites-available/ato /etc/nginx/snippets/ato-locations.conf
  if made nginx-default-disabled && [ -f /etc/nginx/sites-available/default ] && [ ! -e /etc/nginx/sites-enabled/default ]; then
    ln -s /etc/nginx/sites-available/default /etc/nginx/sites-enabled/default
    say "enabled Debian's default nginx site again"
  fi
  if nginx -t >/dev/null 2>&1; then
    if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
      systemctl reload nginx.service 2>/dev/null || true
    else
      nginx -s reload 2>/dev/null || true
    fi
  fi
  say "nginx site removed"
fi

rm -rf /run/ato
if [ -d /var/lib/ato ]; then
  if [ "$PURGE" -eq 1 ]; then
    rm -rf /var/lib/ato
    say "removed /var/lib/ato with its image store"
  else
    find /var/lib/ato -mindepth 1 -maxdepth 1 ! -name images -exec rm -rf {} +
    [ -d /var/lib/ato/images ] && say "kept the image store /var/lib/ato/images (--purge removes it)"
    rmdir /var/lib/ato 2>/dev/null || true
  fi
fi

if [ -f /etc/ato/config.yaml ]; then
  if [ "$PURGE" -eq 1 ] || { made config && cmp -s /etc/ato/config.yaml "$ROOT/setup/config.yaml"; }; then
    rm -f /etc/ato/config.yaml
  else
    say "kept /etc/ato/config.yaml (edited, or not made by install.sh; --purge removes it)"
  fi
fi
rm -f "$MANIFEST"
rmdir /etc/ato 2>/dev/null || true
say "done"
