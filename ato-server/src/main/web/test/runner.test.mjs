// The WebSocket client's state machine, against a scripted socket (node 20 has no WebSocket of its own;
// the real server is exercised by the browser tests).
import { beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, encode } from '@msgpack/msgpack';
import { Runner, RunError } from '../src/runner.js';

class FakeSocket {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSED = 3;
  static all = [];

  constructor(url) {
    this.url = url;
    this.readyState = FakeSocket.CONNECTING;
    this.sent = [];
    FakeSocket.all.push(this);
  }

  send(bytes) {
    this.sent.push(decode(bytes));
  }

  close() {
    this.serverClose(1000, '');
  }

  serverOpen() {
    this.readyState = FakeSocket.OPEN;
    this.onopen?.();
  }

  serverSend(message) {
    const bytes = encode(message);
    this.onmessage?.({ data: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) });
  }

  serverClose(code, reason) {
    this.readyState = FakeSocket.CLOSED;
    this.onclose?.({ code, reason });
  }
}

globalThis.WebSocket = FakeSocket;
const tick = () => new Promise((r) => setImmediate(r));
const DONE = { timed_out: false, status_type: 'exited', status_value: 0 };

beforeEach(() => {
  FakeSocket.all = [];
});

function collect() {
  const out = { stdout: [], stderr: [] };
  return {
    out,
    handlers: { stdout: (b) => out.stdout.push(Buffer.from(b).toString()), stderr: (b) => out.stderr.push(Buffer.from(b).toString()) },
  };
}

test('chunks stream to the handlers and Done resolves the run; the socket is reused', async () => {
  const runner = new Runner('ws://x/api/v1/ws/execute');
  const { out, handlers } = collect();
  const first = runner.run({ language: 'bash' }, handlers);
  const ws = FakeSocket.all[0];
  ws.serverOpen();
  await tick();
  assert.deepEqual(ws.sent, [{ language: 'bash' }]);
  ws.serverSend({ Stdout: new TextEncoder().encode('a') });
  ws.serverSend({ Stderr: new TextEncoder().encode('b') });
  ws.serverSend({ Stdout: new TextEncoder().encode('c') });
  assert.equal(runner.running, true);
  ws.serverSend({ Done: DONE });
  assert.deepEqual(await first, DONE);
  assert.deepEqual(out, { stdout: ['a', 'c'], stderr: ['b'] });
  assert.equal(runner.running, false);

  const second = runner.run({ language: 'zsh' }, collect().handlers);
  await tick();
  assert.equal(FakeSocket.all.length, 1);
  assert.deepEqual(ws.sent.at(-1), { language: 'zsh' });
  ws.serverSend({ Done: DONE });
  await second;
});

test('a second run while one is starting or going is refused', async () => {
  const runner = new Runner('ws://x');
  const first = runner.run({}, collect().handlers);
  await assert.rejects(runner.run({}, collect().handlers), /already going/);
  FakeSocket.all[0].serverOpen();
  await tick();
  await assert.rejects(runner.run({}, collect().handlers), /already going/);
  FakeSocket.all[0].serverSend({ Done: DONE });
  await first;
  assert.equal(FakeSocket.all.length, 1);
});

test('Kill is sent during a run, and right after the request when pressed while connecting', async () => {
  const runner = new Runner('ws://x');
  const run = runner.run({ language: 'bash' }, collect().handlers);
  runner.kill(); // still connecting
  const ws = FakeSocket.all[0];
  ws.serverOpen();
  await tick();
  assert.deepEqual(ws.sent, [{ language: 'bash' }, 'Kill']);
  runner.kill();
  assert.deepEqual(ws.sent.at(-1), 'Kill');
  ws.serverSend({ Done: { ...DONE, status_type: 'killed', status_value: 9 } });
  await run;
  runner.kill(); // nothing running: nothing sent
  assert.equal(ws.sent.length, 3);
});

test('a close in the middle of a run rejects it with the close code\'s meaning', async () => {
  const runner = new Runner('ws://x');
  for (const [code, kind] of [[1008, 'invalid'], [1013, 'busy'], [1009, 'too-large'], [1006, 'lost']]) {
    const run = runner.run({}, collect().handlers);
    const ws = FakeSocket.all.at(-1);
    ws.serverOpen();
    await tick();
    ws.serverClose(code, code === 1008 ? 'invalid request: no such language: x' : '');
    const err = await run.then(() => null, (e) => e);
    assert.ok(err instanceof RunError);
    assert.equal(err.kind, kind);
    assert.equal(runner.running, false);
  }
  assert.equal(FakeSocket.all.length, 4); // each refusal closed the socket; the next run opened a new one
});

test('a socket that never opens rejects the run as lost, and its pending Kill is dropped', async () => {
  const runner = new Runner('ws://x');
  const run = runner.run({}, collect().handlers);
  runner.kill();
  FakeSocket.all[0].serverClose(1006, '');
  const err = await run.then(() => null, (e) => e);
  assert.equal(err.kind, 'lost');
  assert.equal(err.retry, true);
  const next = runner.run({ language: 'bash' }, collect().handlers);
  FakeSocket.all[1].serverOpen();
  await tick();
  assert.deepEqual(FakeSocket.all[1].sent, [{ language: 'bash' }]);
  FakeSocket.all[1].serverSend({ Done: DONE });
  await next;
});

test('a message the page cannot decode ends the run instead of hanging it', async () => {
  const runner = new Runner('ws://x');
  const run = runner.run({}, collect().handlers);
  const ws = FakeSocket.all[0];
  ws.serverOpen();
  await tick();
  ws.onmessage({ data: new Uint8Array([0xc1]).buffer }); // 0xc1 is never used in msgpack
  const err = await run.then(() => null, (e) => e);
  assert.equal(err.kind, 'lost');
  assert.match(err.message, /cannot read/);
});
