#!/usr/bin/env bash
# setup/nginx/render-site.sh [--server-name NAME] [--listen PORT|ADDR:PORT] [--upstream HOST:PORT]
#                            [--snippet PATH] [--no-ipv6]
# Prints the nginx site for ATO (setup/nginx/ato.conf) as install.sh installs it:
#   --server-name NAME   answer NAME only, without default_server (Debian's default site can stay enabled);
#                        without it the site is port 80's default_server and server_name is _
#   --listen             the port (or address:port) of the HTTP server block (default 80)
#   --upstream           where the ATO server listens (default 127.0.0.1:8500, server.bind/server.port)
#   --snippet PATH       the locations file to include (default snippets/ato-locations.conf, relative to
#                        /etc/nginx); the snippet itself is rendered with --locations
#   --locations          print the locations snippet (with --upstream applied) instead of the site
#   --no-ipv6            leave out the [::] listen line (hosts without IPv6)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
name="" listen="80" upstream="127.0.0.1:8500" snippet="snippets/ato-locations.conf" locations=0 ipv6=1
while [ $# -gt 0 ]; do
  case "$1" in
    --server-name) name="${2:?--server-name needs a name}"; shift 2 ;;
    --listen) listen="${2:?--listen needs a port}"; shift 2 ;;
    --upstream) upstream="${2:?--upstream needs host:port}"; shift 2 ;;
    --snippet) snippet="${2:?--snippet needs a path}"; shift 2 ;;
    --locations) locations=1; shift ;;
    --no-ipv6) ipv6=0; shift ;;
    *) echo "render-site: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ "$name" =~ ^[A-Za-z0-9.*_-]*$ ]] || { echo "render-site: bad server name '$name'" >&2; exit 2; }
[[ "$listen" =~ ^([0-9.]+:)?[0-9]+$ ]] || { echo "render-site: bad listen '$listen'" >&2; exit 2; }
upstream_re='^[][A-Za-z0-9.:-]+:[0-9]+$'
[[ "$upstream" =~ $upstream_re ]] || { echo "render-site: bad upstream '$upstream'" >&2; exit 2; }
if [ "$locations" -eq 1 ]; then
  sed "s|http://127.0.0.1:8500|http://$upstream|" "$HERE/ato-locations.conf"
  exit 0
fi
port="${listen##*:}"
default=" default_server"
[ -n "$name" ] && default=""
sed -e "s|^    listen 80 default_server;|    listen $listen$default;|" \
    -e "s|^    listen \[::\]:80 default_server;|    listen [::]:$port$default;|" \
    -e "s|^    server_name _;|    server_name ${name:-_};|" \
    -e "s|^    include snippets/ato-locations.conf;|    include $snippet;|" \
    "$HERE/ato.conf" | { if [ "$ipv6" -eq 1 ]; then cat; else grep -v '^    listen \[::\]'; fi; }
