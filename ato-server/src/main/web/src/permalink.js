// The permalink: the page's whole state in the URL fragment, in the layout of ATO's schema 1
// (a msgpack array, raw-deflated, base64url) with the timeout appended as a twelfth element.
// The fragment never reaches the server, so a permalink holds any amount of code without a request.
// ATO's own links open too: /run?1=... (schema 1, eleven fields) and /run?0=... (schema 0, nine fields), where
// the argument and option lists are JSON text and ?L= (or ?l=) overrides the language.
import { encode, decode } from '@msgpack/msgpack';
import { ENCODINGS } from './encoding.js';

const SCHEMA = '1';
const BOXES = ['header', 'code', 'footer', 'input'];

function encodingOf(value, box) {
  if (box === 'code' && value === null) return null; // ATO: "choose by language"
  return ENCODINGS.includes(value) && (value !== 'sbcs' || box === 'code') ? value : 'utf-8';
}

/** The page state with every field present (strings, string lists, an integer timeout, each box's encoding). */
export function normalize(s) {
  const enc = s.encodings ?? {};
  return {
    language: String(s.language ?? ''),
    header: String(s.header ?? ''),
    code: String(s.code ?? ''),
    footer: String(s.footer ?? ''),
    input: String(s.input ?? ''),
    arguments: (s.arguments ?? []).map(String),
    options: (s.options ?? []).map(String),
    timeout: Number.isInteger(s.timeout) ? s.timeout : 60,
    encodings: Object.fromEntries(BOXES.map((b) => [b, encodingOf(enc[b] === undefined ? 'utf-8' : enc[b], b)])),
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
  const e = s.encodings;
  const fields = [
    s.language, s.options, s.header, e.header, s.code, e.code, s.footer, e.footer,
    s.arguments, s.input, e.input, s.timeout,
  ];
  return toBase64Url(await pipe(encode(fields), new CompressionStream('deflate-raw')));
}

function text(value, what) {
  if (typeof value !== 'string') throw new Error(`the ${what} is not text`);
  return value;
}

/**
 * A list field: ours is an array of strings; ATO's is the text of its box, a JSON array ("" = none) whose
 * items may be strings, numbers or booleans. Text that is not such a list is kept as one entry, with a problem.
 */
function list(value, what, problems) {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value !== 'string') throw new Error(`the ${what} are neither a list nor text`);
  if (value === '') return [];
  let parsed;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  if (Array.isArray(parsed) && parsed.every((x) => x !== null && typeof x !== 'object')) return parsed.map(String);
  problems.push(`its ${what} are not a JSON list, so they are kept as one entry`);
  return [value];
}

/**
 * Decodes a saved value: ours (12 fields) or ATO's schema 1 (11 fields), or with `schema` "0" ATO's schema 0
 * (9 fields, no options or arguments). Returns the state and `problems`, the parts that could not be kept
 * exactly; throws if the value is damaged.
 */
export async function decodeState(value, schema = SCHEMA) {
  if (!/^[A-Za-z0-9_-]*$/.test(value)) throw new Error('the permalink holds characters outside base64url');
  // Capped: a hostile link must not make the tab inflate gigabytes.
  const raw = await pipe(fromBase64Url(value), new DecompressionStream('deflate-raw'), MAX_EXPANDED);
  const a = decode(raw);
  const problems = [];
  let f;
  if (schema === '0') {
    if (!Array.isArray(a) || a.length !== 9) throw new Error('the permalink is not an array of 9 fields');
    const [language, header, he, code, ce, footer, fe, input, ie] = a;
    f = { language, options: [], header, he, code, ce, footer, fe, args: [], input, ie, timeout: 60 };
  } else {
    if (!Array.isArray(a) || (a.length !== 11 && a.length !== 12)) {
      throw new Error('the permalink is not an array of 11 or 12 fields');
    }
    const [language, options, header, he, code, ce, footer, fe, args, input, ie, timeout] = a;
    f = { language, options, header, he, code, ce, footer, fe, args, input, ie, timeout };
  }
  return {
    state: normalize({
      language: text(f.language, 'language'),
      options: list(f.options, 'options', problems),
      header: text(f.header, 'header'),
      code: text(f.code, 'code'),
      footer: text(f.footer, 'footer'),
      arguments: list(f.args, 'arguments', problems),
      input: text(f.input, 'input'),
      timeout: Number.isInteger(f.timeout) && f.timeout >= 1 && f.timeout <= 60 ? f.timeout : 60,
      encodings: { header: f.he, code: f.ce, footer: f.fe, input: f.ie },
    }),
    problems,
  };
}

/**
 * The saved state in a URL: ours in the fragment ("#1=..."), else ATO's in the query, where as on ATO the
 * highest schema key it knows wins ("1", then "0"). Returns {schema, value, language} or null; `language` is
 * ATO's ?L= / ?l= override, or null.
 */
export function savedValue(url) {
  const query = new URLSearchParams(url.search.slice(1));
  const language = query.get('L') ?? query.get('l');
  const ours = new URLSearchParams(url.hash.slice(1)).get(SCHEMA);
  if (ours !== null) return { schema: SCHEMA, value: ours, language };
  for (const schema of [SCHEMA, '0']) {
    const value = query.get(schema);
    if (value !== null) return { schema, value, language };
  }
  return language === null ? null : { schema: null, value: null, language };
}

/** The permalink URL for a state, relative to `base` (the page's own URL). */
export async function permalink(state, base) {
  const url = new URL(base);
  url.search = '';
  url.hash = `${SCHEMA}=${await encodeState(state)}`;
  return url.href;
}
