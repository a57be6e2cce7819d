// The permalink: the page's whole state in the URL fragment, in the layout of ATO's schema 1
// (a msgpack array, raw-deflated, base64url) with the timeout appended as a twelfth element.
// The fragment never reaches the server, so a permalink holds any amount of code without a request.
import { encode, decode } from '@msgpack/msgpack';

const SCHEMA = '1';

/** The page state with every field present (strings, string lists, an integer timeout). */
export function normalize(s) {
  return {
    language: String(s.language ?? ''),
    header: String(s.header ?? ''),
    code: String(s.code ?? ''),
    footer: String(s.footer ?? ''),
    input: String(s.input ?? ''),
    arguments: (s.arguments ?? []).map(String),
    options: (s.options ?? []).map(String),
    timeout: Number.isInteger(s.timeout) ? s.timeout : 60,
  };
}

const MAX_EXPANDED = 4 << 20;

// Runs bytes through a (de)compression stream, giving up once the output passes `cap` bytes.
async function pipe(bytes, stream, cap = Infinity) {
  const reader = new Blob([bytes]).stream().pipeThrough(stream).getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > cap) {
      await reader.cancel();
      throw new Error(`the permalink expands to more than ${cap >> 20} MiB`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function toBase64Url(bytes) {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text) {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** Encodes the state as the fragment's value (without "#1="). */
export async function encodeState(state) {
  const s = normalize(state);
  const fields = [
    s.language, s.options, s.header, 'utf-8', s.code, 'utf-8', s.footer, 'utf-8',
    s.arguments, s.input, 'utf-8', s.timeout,
  ];
  return toBase64Url(await pipe(encode(fields), new CompressionStream('deflate-raw')));
}

// ATO also saves binary fields as base64 text, marked by their encoding.
function field(value, encoding) {
  if (typeof value !== 'string') throw new Error('a text field is not a string');
  if (encoding === 'base64') return new TextDecoder().decode(fromBase64Url(value));
  return value;
}

// ATO's older saves kept arguments and options as one newline-separated string.
function list(value) {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string') return value === '' ? [] : value.split('\n');
  throw new Error('a list field is neither a list nor a string');
}

/** Decodes a fragment value made by encodeState (or an ATO schema-1 save); throws if it is damaged. */
export async function decodeState(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error('the permalink holds characters outside base64url');
  // Capped: a hostile link must not make the tab inflate gigabytes.
  const raw = await pipe(fromBase64Url(text), new DecompressionStream('deflate-raw'), MAX_EXPANDED);
  const a = decode(raw);
  if (!Array.isArray(a) || (a.length !== 11 && a.length !== 12)) {
    throw new Error('the permalink is not an array of 11 or 12 fields');
  }
  const [language, options, header, he, code, ce, footer, fe, args, input, ie, timeout] = a;
  return normalize({
    language: field(language, 'utf-8'),
    options: list(options),
    header: field(header, he),
    code: field(code, ce),
    footer: field(footer, fe),
    arguments: list(args),
    input: field(input, ie),
    timeout: Number.isInteger(timeout) && timeout >= 1 && timeout <= 60 ? timeout : 60,
  });
}

/** The saved state in a URL's fragment ("#1=...") or, as ATO writes it, its query ("?1=..."). */
export function savedValue(url) {
  for (const part of [url.hash.slice(1), url.search.slice(1)]) {
    const value = new URLSearchParams(part).get(SCHEMA);
    if (value !== null) return value;
  }
  return null;
}

/** The permalink URL for a state, relative to `base` (the page's own URL). */
export async function permalink(state, base) {
  const url = new URL(base);
  url.search = '';
  url.hash = `${SCHEMA}=${await encodeState(state)}`;
  return url.href;
}
