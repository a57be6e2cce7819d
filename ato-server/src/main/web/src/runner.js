// The WebSocket client for ATO's v1 streaming API (/api/v1/ws/execute): one msgpack map per run,
// {"Stdout"|"Stderr": bytes} chunks back, then {"Done": {...}}. The socket stays open between runs.
import { Decoder, encode } from '@msgpack/msgpack';

// Caps every length before the decoder allocates: the server sends chunks of at most 128 KiB.
const decoder = new Decoder({ maxStrLength: 1 << 20, maxBinLength: 4 << 20, maxArrayLength: 64, maxMapLength: 64 });

/** Why a run ended without a Done record, as the page shows it. */
export class RunError extends Error {
  constructor(kind, message, retry) {
    super(message);
    this.kind = kind; // 'invalid' | 'busy' | 'too-large' | 'lost'
    this.retry = retry;
  }
}

/** Turns a close event that ended a run into the error a person reads. */
export function closeError(code, reason) {
  switch (code) {
    case 1008:
      return new RunError('invalid', reason || 'the server refused the request', false);
    case 1013:
      return new RunError('busy', `The server is busy${reason ? ` (${reason})` : ''}: try again in a moment.`, true);
    case 1009:
      return new RunError('too-large', `The request is too large for the server${reason ? ` (${reason})` : ''}.`, false);
    default:
      return new RunError('lost', `The connection to the server was lost (close code ${code}${reason ? `: ${reason}` : ''}).`, true);
  }
}

/** One connection to the server, reused run after run. */
export class Runner {
  constructor(url) {
    this.url = url;
    this.ws = null;
    this.current = null;
    this.starting = false;
    this.killPending = false;
  }

  get running() {
    return this.current !== null || this.starting;
  }

  // Opens the socket, or reuses the open one.
  connect() {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) return Promise.resolve(this.ws);
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url);
      ws.binaryType = 'arraybuffer';
      let opened = false;
      ws.onopen = () => {
        opened = true;
        this.ws = ws;
        resolve(ws);
      };
      ws.onmessage = (e) => this.onMessage(e);
      ws.onclose = (e) => {
        if (this.ws === ws) this.ws = null;
        if (!opened) reject(new RunError('lost', 'Could not connect to the server.', true));
        else this.finish(null, closeError(e.code, e.reason));
      };
    });
  }

  onMessage(e) {
    const run = this.current;
    if (!run) return;
    let msg;
    try {
      msg = decoder.decode(new Uint8Array(e.data));
    } catch (err) {
      // The run ends first, so the close that follows finds nothing left to fail. A browser may only
      // send close codes 1000 and 3000-4999 (RFC 6455 7.4.2), hence no 1002 here.
      this.finish(null, new RunError('lost', `The server sent a message this page cannot read: ${err.message}`, true));
      this.ws?.close();
      return;
    }
    if (msg && msg.Stdout instanceof Uint8Array) run.handlers.stdout(msg.Stdout);
    else if (msg && msg.Stderr instanceof Uint8Array) run.handlers.stderr(msg.Stderr);
    else if (msg && msg.Done && typeof msg.Done === 'object') {
      // A test-case batch sends one Done per case (each with its `case`); the run ends with the last.
      run.handlers.done?.(msg.Done);
      if (--run.dones <= 0) this.finish(msg.Done, null);
    }
  }

  finish(done, error) {
    const run = this.current;
    if (!run) return;
    this.current = null;
    if (error) run.reject(error);
    else run.resolve(done);
  }

  /**
   * Starts a run; `handlers.stdout` / `handlers.stderr` get each chunk as it arrives, `handlers.done` (optional)
   * each Done record (one per case for a request with `cases`). Resolves with the last Done record, or rejects
   * with a RunError.
   */
  async run(request, handlers) {
    if (this.current || this.starting) throw new Error('a run is already going');
    // Claimed before the first await, so a second call while connecting is refused, not interleaved.
    this.starting = true;
    let ws;
    try {
      ws = await this.connect();
    } catch (err) {
      this.killPending = false; // the run never started: its Kill must not hit the next one
      throw err;
    } finally {
      this.starting = false;
    }
    return new Promise((resolve, reject) => {
      this.current = { handlers, resolve, reject, dones: request.cases?.length || 1 };
      ws.send(encode(request));
      if (this.killPending) ws.send(encode('Kill'));
      this.killPending = false;
    });
  }

  /** Sends bytes to the standard input of the current interactive run ({"Stdin": bytes}). */
  sendStdin(bytes) {
    if (this.current && this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(encode({ Stdin: bytes }));
  }

  /** Closes the standard input of the current interactive run ("Eof"). */
  sendEof() {
    if (this.current && this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(encode('Eof'));
  }

  /** Asks the server to kill the current run; its Done record still arrives. */
  kill() {
    // Pressed while the socket is still opening: the Kill follows the request as soon as it is sent.
    if (this.starting) this.killPending = true;
    else if (this.current && this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(encode('Kill'));
  }
}
