#!/usr/bin/env bash
# setup/install-packages.sh GROUP... — install the Debian packages listed in setup/packages/GROUP.txt
# that are not installed yet (one package per line; '#' starts a comment), then the Maven Central artifacts of
# setup/packages/GROUP.maven. Needs root for apt-get; without it, prints the exact command to run instead.
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
if [ "${#missing[@]}" -gt 0 ]; then
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
fi
# setup/packages/GROUP.maven: "GROUP:ARTIFACT:VERSION DIRECTORY" per line, an artifact of Maven Central that is
# copied with its runtime dependencies into DIRECTORY (e.g. Scala 3's compiler for the scala3 language), once:
# DIRECTORY/.complete names the artifact when done.
for group in "$@"; do
  list="$HERE/packages/$group.maven"
  [ -f "$list" ] || continue
  while read -r gav dir _; do
    gav="${gav%%#*}"; [ -n "$gav" ] || continue
    [ "$(cat "$dir/.complete" 2>/dev/null)" = "$gav" ] && continue
    if ! command -v mvn >/dev/null; then
      # Without Maven the language stays not ready (./ato languages --check says why); the rest goes on.
      echo "install-packages: skipping $gav: it needs Maven (apt-get install maven), then run this again" >&2
      continue
    fi
    { mkdir -p "$(dirname "$dir")" 2>/dev/null && [ -w "$(dirname "$dir")" ]; } || { echo "install-packages: as root run: $0 $group (for $gav in $dir)" >&2; exit 1; }
    IFS=: read -r g a v <<<"$gav"
    tmp="$(mktemp -d)"
    printf '%s\n' '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>' \
      '<groupId>local.ato</groupId><artifactId>fetch</artifactId><version>1</version><packaging>pom</packaging>' \
      "<dependencies><dependency><groupId>$g</groupId><artifactId>$a</artifactId><version>$v</version></dependency></dependencies>" \
      '</project>' > "$tmp/pom.xml"
    echo "install-packages: fetching $gav into $dir" >&2
    rm -rf "$dir.new"
    mvn -B -q -Dstyle.color=never -f "$tmp/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$dir.new" >&2
    rm -rf "$tmp" "$dir"
    mv "$dir.new" "$dir"
    echo "$gav" > "$dir/.complete"
  done < "$list"
done
