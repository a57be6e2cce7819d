#!/usr/bin/env bash
# setup/install.sh [--with-nginx [--server-name NAME]] [--no-build]
# Installs the ATO server on this Debian host from this checkout, as root. Idempotent (run it again to upgrade).
#  1. Debian packages: setup/packages/{build,runtime,languages}.txt (only the missing ones).
#  2. Builds the project (mvn package, no tests) with the JDK ./ato picks, unless --no-build (then the jars
#     already in ato-cli/target are used).
#  3. Installs the build under /opt/ato: lib/ (ato-cli.jar packed from ato-cli/target/classes, and every
#     runtime dependency from ato-cli/target/lib: the libraries' jars, ato-server's with the web page), bin/ato (a launcher
#     pinned to that JDK's path), README.md, config.yaml.example; links /usr/local/bin/ato to bin/ato.
#  4. /etc/ato/config.yaml from setup/config.yaml unless it exists; /var/lib/ato (0700).
#  5. Runs `ato doctor`: a blocker stops the install with one line per problem and its fix.
#  6. With systemd: /etc/systemd/system/ato.service (setup/systemd/ato.service), enabled and (re)started; the
#     restart returns when the server has said READY=1. Without systemd it prints how to start the server.
#  7. --with-nginx: Debian's nginx, the site /etc/nginx/sites-available/ato (enabled) and
#     /etc/nginx/snippets/ato-locations.conf (setup/nginx/). Without --server-name the site is port 80's
#     default_server and Debian's default site is disabled (its link in sites-enabled removed); with it, the
#     site answers NAME only and the default site stays. nginx -t, then nginx is (re)loaded.
# What it made is listed in /etc/ato/install.manifest, which setup/uninstall.sh reads.
# ATO_DESTDIR=DIR installs under DIR instead of / (for tests and packaging): no systemd or nginx is touched
# (nginx -t checks DIR/etc/nginx/nginx.conf when there is one), the launcher finds its jars relative to itself.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
D="${ATO_DESTDIR:-}"
PREFIX="$D/opt/ato"
MANIFEST="$D/etc/ato/install.manifest"
say() { echo "install: $*" >&2; }
die() { echo "install: $*" >&2; exit 1; }

WITH_NGINX=0 SERVER_NAME="" BUILD=1
while [ $# -gt 0 ]; do
  case "$1" in
    --with-nginx) WITH_NGINX=1; shift ;;
    --server-name) SERVER_NAME="${2:?--server-name needs a name}"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    *) die "unknown option $1 (usage: install.sh [--with-nginx [--server-name NAME]] [--no-build])" ;;
  esac
done
[ "$(id -u)" -eq 0 ] || die "run as root"
[ -z "$SERVER_NAME" ] || [ "$WITH_NGINX" -eq 1 ] || die "--server-name is for the nginx site: add --with-nginx"

# 1. Packages.
if [ "$BUILD" -eq 1 ]; then "$ROOT/setup/install-packages.sh" build runtime languages
else "$ROOT/setup/install-packages.sh" runtime languages; fi

# 2. Build.
JDK="$("$ROOT/ato" jdk)"
[ -x "$JDK/bin/java" ] || die "no JDK found ($JDK)"
if [ "$BUILD" -eq 1 ]; then
  say "building with $JDK (mvn package, no tests) ..."
  (cd "$ROOT" && JAVA_HOME="$JDK" PATH="$JDK/bin:$PATH" ./mvnw -B -q -Dstyle.color=never -DskipTests package)
fi
CLASSES="$ROOT/ato-cli/target/classes"
[ -f "$CLASSES/dev/ato/cli/Main.class" ] && compgen -G "$ROOT/ato-cli/target/lib/ato-server-*.jar" >/dev/null \
  || die "no build in $ROOT/ato-cli/target (run without --no-build)"

# 3. /opt/ato, replaced as a whole.
STAGE="$PREFIX.new.$$"
rm -rf "$STAGE"
install -d -m 0755 "$STAGE/bin" "$STAGE/lib"
# The command line's classes as one jar, next to every runtime dependency (the libraries, the server's web page).
"$JDK/bin/jar" --create --file "$STAGE/lib/ato-cli.jar" -C "$CLASSES" .
install -m 0644 "$ROOT"/ato-cli/target/lib/*.jar "$STAGE/lib/"
install -m 0644 "$ROOT/README.md" "$STAGE/README.md"
install -m 0644 "$ROOT/setup/config.yaml" "$STAGE/config.yaml.example"
REV="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
cat > "$STAGE/bin/ato" <<LAUNCHER
#!/bin/sh
# ATO's installed launcher (setup/install.sh, from $ROOT at commit $REV). The JDK is pinned: after a JDK
# upgrade that removes it, run setup/install.sh again. The jars are in ../lib next to this file.
HERE="\$(dirname "\$(readlink -f "\$0")")"
exec "$JDK/bin/java" --enable-native-access=ALL-UNNAMED -XX:+ExitOnOutOfMemoryError -cp "\$HERE/../lib/*" dev.ato.cli.Main "\$@"
LAUNCHER
chmod 0755 "$STAGE/bin/ato"
rm -rf "$PREFIX.old"
[ -d "$PREFIX" ] && mv "$PREFIX" "$PREFIX.old"
mv "$STAGE" "$PREFIX"
rm -rf "$PREFIX.old"
install -d -m 0755 "$D/usr/local/bin"
ln -sfn /opt/ato/bin/ato "$D/usr/local/bin/ato"
say "installed $PREFIX (JDK $JDK, commit $REV)"

# 4. Configuration and state.
install -d -m 0755 "$D/etc/ato"
touch "$MANIFEST"
note() { grep -qxF "$1" "$MANIFEST" || echo "$1" >> "$MANIFEST"; }
note "prefix /opt/ato"
note "link /usr/local/bin/ato"
if [ ! -f "$D/etc/ato/config.yaml" ]; then
  install -m 0644 "$ROOT/setup/config.yaml" "$D/etc/ato/config.yaml"
  note "config /etc/ato/config.yaml"
fi
install -d -m 0700 "$D/var/lib/ato"

# 5. Preflight. A server already running holds the port: its restart below is checked by the unit's own doctor.
SYSTEMD=0
if [ -z "$D" ] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then SYSTEMD=1; fi
SKIP=()
if [ "$SYSTEMD" -eq 1 ] && systemctl is-active --quiet ato.service; then SKIP=(--skip port); fi
# Under systemd the doctor runs as the service will: a unit of its own with Delegate=yes (from this shell's
# cgroup, shared with the shell and its children, cgroup v2 could give no run cgroup a controller).
DOCTOR=("$PREFIX/bin/ato" doctor --config "$D/etc/ato/config.yaml" "${SKIP[@]}")
if [ "$SYSTEMD" -eq 1 ]; then
  ENV=()
  [ -n "${JAVA_TOOL_OPTIONS:-}" ] && ENV=(-E JAVA_TOOL_OPTIONS) # the installing shell's JVM options, if any
  DOCTOR=(systemd-run --quiet --wait --pipe --collect --service-type=exec -p Delegate=yes "${ENV[@]}" "${DOCTOR[@]}")
fi
"${DOCTOR[@]}" || die "ato doctor found a blocker (above); fix it and run install.sh again"

# 6. The service.
if [ "$SYSTEMD" -eq 1 ]; then
  install -m 0644 "$ROOT/setup/systemd/ato.service" /etc/systemd/system/ato.service
  note "unit /etc/systemd/system/ato.service"
  systemctl daemon-reload
  systemctl enable ato.service
  systemctl restart ato.service || die "ato.service did not start: journalctl -u ato -n 50"
  say "ato.service enabled and running"
elif [ -n "$D" ]; then
  install -d -m 0755 "$D/etc/systemd/system"
  install -m 0644 "$ROOT/setup/systemd/ato.service" "$D/etc/systemd/system/ato.service"
  note "unit /etc/systemd/system/ato.service"
else
  say "no systemd here; start the server with: $PREFIX/bin/ato serve --config /etc/ato/config.yaml"
fi

# 7. nginx in front.
if [ "$WITH_NGINX" -eq 1 ]; then
  [ -n "$D" ] || "$ROOT/setup/install-packages.sh" nginx
  N="$D/etc/nginx"
  install -d -m 0755 "$N/snippets" "$N/sites-available" "$N/sites-enabled"
  "$ROOT/setup/nginx/render-site.sh" --locations > "$N/snippets/ato-locations.conf"
  if [ -n "$SERVER_NAME" ]; then
    "$ROOT/setup/nginx/render-site.sh" --server-name "$SERVER_NAME" > "$N/sites-available/ato"
  else
    "$ROOT/setup/nginx/render-site.sh" > "$N/sites-available/ato"
    # Debian's default site is port 80's default_server too (its welcome page would answer for ATO).
    if [ -L "$N/sites-enabled/default" ]; then
      rm "$N/sites-enabled/default"
      note "nginx-default-disabled /etc/nginx/sites-enabled/default"
      say "disabled Debian's default nginx site (setup/uninstall.sh enables it again)"
    fi
  fi
  ln -sfn ../sites-available/ato "$N/sites-enabled/ato"
  note "nginx-site /etc/nginx/sites-available/ato"
  if [ -f "$N/nginx.conf" ]; then
    nginx -t -c "$N/nginx.conf" 2>&1 | sed 's/^/install: /' >&2
    nginx -t -c "$N/nginx.conf" >/dev/null 2>&1 || die "nginx -t failed (above)"
  fi
  if [ "$SYSTEMD" -eq 1 ]; then
    systemctl enable nginx.service
    if systemctl is-active --quiet nginx.service; then systemctl reload nginx.service; else systemctl start nginx.service; fi
  elif [ -z "$D" ]; then
    nginx -s reload 2>/dev/null || nginx
  fi
  say "nginx site installed: http://${SERVER_NAME:-$(hostname -f 2>/dev/null || hostname)}/"
fi
