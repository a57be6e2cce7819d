"""The request extensions of issue 15 from a Python client: Debian's python3-websockets and python3-msgpack
against a running server (its base URL is argv[1]). Prints one PASS line per behaviour; exits non-zero on the first
failure. Run by dev.ato.server.PythonClientTest."""
import asyncio
import base64
import http.client
import json
import sys
import urllib.parse

import msgpack
import websockets

BASE = sys.argv[1].rstrip("/")
WS = BASE.replace("http://", "ws://") + "/api/v1/ws/execute"
ATO_DONE_KEYS = ["timed_out", "stdout_truncated", "stderr_truncated", "status_type", "status_value", "real",
                 "kernel", "user", "max_mem", "waits", "preemptions", "major_page_faults", "minor_page_faults",
                 "input_ops", "output_ops"]  # oom_killed, cgroup_max_mem: only with ?extensions=1


def request(code, **extra):
    r = {"language": "bash", "code": code.encode(), "input": b"", "arguments": [], "options": []}
    r.update(extra)
    return msgpack.packb(r, use_bin_type=True)


async def receive(ws):
    """One server message as (kind, value)."""
    message = msgpack.unpackb(await asyncio.wait_for(ws.recv(), 30), raw=False)
    (kind, value), = message.items()
    return kind, value


async def until_done(ws, dones=1):
    out, got = b"", []
    while len(got) < dones:
        kind, value = await receive(ws)
        if kind == "Stdout":
            out += value
        elif kind == "Done":
            got.append(value)
    return out, got


def check(condition, what):
    if not condition:
        print("FAIL", what, flush=True)
        sys.exit(1)


async def interactive():
    async with websockets.connect(WS) as ws:
        await ws.send(request('while read -r l; do echo "got $l"; done; echo end', input=b"first\n",
                              interactive=True))
        kind, value = await receive(ws)
        check(kind == "Stdout" and value == b"got first\n", "interactive: the initial input was read: %r" % value)
        await ws.send(msgpack.packb({"Stdin": b"second\n"}, use_bin_type=True))
        kind, value = await receive(ws)
        check(value == b"got second\n", "interactive: a Stdin message was read while the program ran: %r" % value)
        await ws.send(msgpack.packb("Eof"))
        out, (done,) = await until_done(ws)
        check(out == b"end\n" and done["status_type"] == "exited" and done["status_value"] == 0,
              "interactive: Eof ended the input: %r %r" % (out, done))
    print("PASS interactive", flush=True)


async def cases():
    async with websockets.connect(WS) as ws:
        await ws.send(request('read -r x; echo "$x $1"', cases=[
            {"input": b"one\n", "arguments": [b"a"]}, {"input": b"two\n", "arguments": [b"b"]}]))
        outs, dones = [], []
        while len(dones) < 2:
            kind, value = await receive(ws)
            if kind == "Stdout":
                outs.append(value)
            elif kind == "Done":
                dones.append(value)
        check(outs == [b"one a\n", b"two b\n"], "cases: outputs %r" % outs)
        check([d["case"] for d in dones] == [0, 1], "cases: Done carries its case: %r" % dones)
    print("PASS cases", flush=True)


async def limit_and_quota():
    async with websockets.connect(WS) as ws:
        await ws.send(request("head -c 3000 /dev/zero", output_limit=100, want_quota=True))
        out, (done,) = await until_done(ws)
        check(len(out) == 100 and done["stdout_truncated"], "output_limit: %d bytes" % len(out))
        check(set(done["quota"]) == {"limit", "remaining"} and done["quota"]["limit"] >= 1,
              "want_quota: %r" % done.get("quota"))
    print("PASS output_limit want_quota", flush=True)


async def plain_request_is_atos():
    async with websockets.connect(WS) as ws:
        await ws.send(request("echo plain"))
        out, (done,) = await until_done(ws)
        check(out == b"plain\n" and list(done) == ATO_DONE_KEYS, "plain request: Done keys %r" % list(done))
    print("PASS plain request gets ATO's Done", flush=True)


async def bad_value_closes_1008():
    async with websockets.connect(WS) as ws:
        await ws.send(request("true", output_limit=0))
        try:
            await asyncio.wait_for(ws.recv(), 30)
            check(False, "output_limit 0 was accepted")
        except websockets.ConnectionClosed as closed:
            check(closed.code == 1008 and closed.reason == "invalid request: output_limit not in range 1-131072: 0",
                  "bad output_limit: %s %s" % (closed.code, closed.reason))
    print("PASS bad value closes 1008", flush=True)


def server_sent_events():
    url = urllib.parse.urlparse(BASE)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    body = json.dumps({"language": "bash", "code": 'echo "$1"; echo oops >&2', "input": "", "arguments": ["sse"],
                       "options": []})
    conn.request("POST", "/api/v1/execute", body=body,
                 headers={"Content-Type": "application/json", "Accept": "text/event-stream"})
    resp = conn.getresponse()
    check(resp.status == 200 and resp.getheader("Content-Type").startswith("text/event-stream"),
          "SSE: status %s" % resp.status)
    check(resp.getheader("RateLimit-Limit") is not None, "SSE: RateLimit-Limit header")
    events, event = [], None
    for raw in resp:
        line = raw.decode().rstrip("\n")
        if line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            events.append((event, line[5:].strip()))
        if event == "done" and events and events[-1][0] == "done":
            break
    kinds = [e for e, _ in events]
    check(kinds[-1] == "done" and "stdout" in kinds and "stderr" in kinds, "SSE: events %r" % kinds)
    stdout = b"".join(base64.b64decode(d) for e, d in events if e == "stdout")
    done = json.loads(events[-1][1])
    check(stdout == b"sse\n" and done["status_type"] == "exited", "SSE: %r %r" % (stdout, done))
    print("PASS server-sent events", flush=True)


async def main():
    await interactive()
    await cases()
    await limit_and_quota()
    await plain_request_is_atos()
    await bad_value_closes_1008()
    server_sent_events()
    print("ALL PASSED", flush=True)


asyncio.run(main())
