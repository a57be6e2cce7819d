#!/usr/bin/env bash
# setup/cluster/bench.sh [--runs N] [--clients C] [--seconds S]
# The balancer's cost: one `ato serve` node on 127.0.0.1 and HAProxy with setup/cluster/haproxy.cfg in front of it
# (its example server lines replaced by that node), then `./ato bench --server --url NODE --via HAPROXY`: the same
# bash `true` runs against the node directly and through HAProxy, interleaved, printed side by side.
# Needs root (the sandbox) and haproxy (setup/packages/cluster.txt). Leaves nothing behind.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
command -v haproxy >/dev/null || { echo "bench: haproxy is missing: apt-get install haproxy" >&2; exit 1; }
work="$(mktemp -d /tmp/ato-balancer-bench.XXXXXX)"
name="ato-bench-$$"
node_pid="" haproxy_pid=""
cleanup() {
  [ -n "$haproxy_pid" ] && kill "$haproxy_pid" 2>/dev/null && wait "$haproxy_pid" 2>/dev/null || true
  [ -n "$node_pid" ] && kill "$node_pid" 2>/dev/null && wait "$node_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
node_port="$(free_port)"
front_port="$(free_port)"

cat > "$work/node.yaml" <<YAML
server:
  bind: 127.0.0.1
  port: $node_port
  trusted-proxies: [127.0.0.1]
paths:
  state-dir: $work/state
  run-dir: /run/$name
  image-dir: $work/images
  cgroup: $name
YAML
# The shipped configuration, its example server lines replaced by the one node.
awk -v node="127.0.0.1:$node_port" '
  /^[ \t]+server[ \t]/ { if (!done) { print "    server node1 " node; done = 1 } next }
  { print }' "$ROOT/setup/cluster/haproxy.cfg" > "$work/haproxy.cfg"

"$ROOT/ato" serve --config "$work/node.yaml" > "$work/node.log" 2>&1 &
node_pid=$!
ATO_LISTEN="127.0.0.1:$front_port" ATO_HAPROXY_ADMIN="$work/admin.sock" haproxy -db -f "$work/haproxy.cfg" > "$work/haproxy.log" 2>&1 &
haproxy_pid=$!

for _ in $(seq 600); do
  if curl -sf "http://127.0.0.1:$node_port/observe/health" >/dev/null \
      && curl -sf "http://127.0.0.1:$front_port/observe/health" >/dev/null; then
    break
  fi
  kill -0 "$node_pid" 2>/dev/null || { cat "$work/node.log" >&2; exit 1; }
  kill -0 "$haproxy_pid" 2>/dev/null || { cat "$work/haproxy.log" >&2; exit 1; }
  sleep 0.2
done
"$ROOT/ato" bench --server --url "http://127.0.0.1:$node_port" --via "http://127.0.0.1:$front_port" "$@"
