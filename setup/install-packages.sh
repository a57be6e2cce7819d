#!/usr/bin/env bash
# setup/install-packages.sh GROUP... — install the Debian packages listed in setup/packages/GROUP.txt
# that are not installed yet. One package per line; '#' starts a comment. Needs root for apt-get;
# without it, prints the exact command to run instead.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
missing=()
for group in "$@"; do
  list="$HERE/packages/$group.txt"
  [ -f "$list" ] || { echo "install-packages: no package list $list" >&2; exit 2; }
  while read -r pkg _; do
    pkg="${pkg%%#*}"; [ -n "$pkg" ] || continue
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$pkg")
    fi
  done < "$list"
done
[ "${#missing[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "install-packages: missing Debian packages; as root run: apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "install-packages: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists once if they are older than a day (or absent).
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 -print -quit 2>/dev/null)" ]; then
  apt-get update -q
fi
apt-get install -y -q --no-install-recommends "${missing[@]}"
