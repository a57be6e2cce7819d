#!/usr/bin/env bash
# setup/uninstall.sh [--purge]
# Removes what setup/install.sh made, as root: the service (stopped, disabled, unit removed), /opt/ato and the
# /usr/local/bin/ato link, the nginx site and snippet (and enables Debian's default site again when install.sh had
# disabled it), /run/ato, and /var/lib/ato except the image store (/var/lib/ato/images). /etc/ato/config.yaml is
# removed when it is still the file install.sh put there, kept (and named) when it was edited.
#   --purge   also the image store, /var/lib/ato and /etc/ato whatever they hold
# Debian packages install.sh installed are left: other software may use them.
# ATO_DESTDIR=DIR undoes an install.sh made with the same ATO_DESTDIR.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
D="${ATO_DESTDIR:-}"
MANIFEST="$D/etc/ato/install.manifest"
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

SYSTEMD=0
if [ -z "$D" ] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then SYSTEMD=1; fi
if [ "$SYSTEMD" -eq 1 ]; then
  if [ -f /etc/systemd/system/ato.service ]; then
    systemctl disable --now ato.service || true
    rm -f /etc/systemd/system/ato.service
    systemctl daemon-reload
    systemctl reset-failed ato.service 2>/dev/null || true
    say "ato.service stopped and removed"
  fi
fi
rm -f "$D/etc/systemd/system/ato.service"

if [ -L "$D/usr/local/bin/ato" ] && [ "$(readlink "$D/usr/local/bin/ato")" = /opt/ato/bin/ato ]; then
  rm -f "$D/usr/local/bin/ato"
fi
rm -rf "$D/opt/ato" "$D/opt/ato.old" "$D"/opt/ato.new.*

N="$D/etc/nginx"
if [ -e "$N/sites-available/ato" ] || [ -L "$N/sites-enabled/ato" ]; then
  rm -f "$N/sites-enabled/ato" "$N/sites-available/ato" "$N/snippets/ato-locations.conf"
  if made nginx-default-disabled && [ -f "$N/sites-available/default" ] && [ ! -e "$N/sites-enabled/default" ]; then
    ln -s ../sites-available/default "$N/sites-enabled/default"
    say "enabled Debian's default nginx site again"
  fi
  if [ -z "$D" ] && nginx -t >/dev/null 2>&1; then
    if [ "$SYSTEMD" -eq 1 ]; then systemctl reload nginx.service 2>/dev/null || true
    else nginx -s reload 2>/dev/null || true; fi
  fi
  say "nginx site removed"
fi

rm -rf "$D/run/ato"
if [ -d "$D/var/lib/ato" ]; then
  if [ "$PURGE" -eq 1 ]; then
    rm -rf "$D/var/lib/ato"
    say "removed /var/lib/ato with its image store"
  else
    find "$D/var/lib/ato" -mindepth 1 -maxdepth 1 ! -name images -exec rm -rf {} +
    if [ -d "$D/var/lib/ato/images" ]; then say "kept the image store /var/lib/ato/images (--purge removes it)"; fi
    rmdir "$D/var/lib/ato" 2>/dev/null || true
  fi
fi

if [ -f "$D/etc/ato/config.yaml" ]; then
  if [ "$PURGE" -eq 1 ] || { made config && cmp -s "$D/etc/ato/config.yaml" "$ROOT/setup/config.yaml"; }; then
    rm -f "$D/etc/ato/config.yaml"
  else
    say "kept /etc/ato/config.yaml (edited, or not made by install.sh; --purge removes it)"
  fi
fi
rm -f "$MANIFEST"
rmdir "$D/etc/ato" 2>/dev/null || true
say "done"
