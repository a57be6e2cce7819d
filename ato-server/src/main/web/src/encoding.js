// Per-field encodings, as ATO's page has them: a text box holds UTF-8 text, base64 text (for bytes that are not
// UTF-8), or, for the code of a single-byte language, "sbcs": still sent as UTF-8 (the language's interpreter
// reads its own code page), only counted differently (codepage.js).

/** The encodings a box may have; "sbcs" is offered for the code box only. */
export const ENCODINGS = Object.freeze(['utf-8', 'base64', 'sbcs']);

const utf8 = new TextEncoder();

/**
 * Decodes base64 text as ATO's page does: the standard and the URL-safe alphabet, padding optional, white space
 * ignored. Throws on any other character or an impossible length.
 */
export function decodeBase64(text) {
  const clean = text.replace(/[\s=]+$/u, '').replace(/\s+/gu, '').replace(/-/g, '+').replace(/_/g, '/');
  if (!/^[A-Za-z0-9+/]*$/.test(clean)) {
    const bad = [...clean].find((c) => !/[A-Za-z0-9+/]/.test(c));
    throw new Error(`${JSON.stringify(bad)} is not a base64 character`);
  }
  if (clean.length % 4 === 1) throw new Error('base64 text cannot be that long (one character too many)');
  const bin = atob(clean + '='.repeat((4 - (clean.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** The bytes a box stands for in its encoding. */
export function fieldBytes(text, encoding) {
  return encoding === 'base64' ? decodeBase64(text) : utf8.encode(text);
}

function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const NEWLINE = Uint8Array.of(0x0a);

/**
 * The program ATO runs for a header, code and footer: header, a newline when the header is not empty, the code,
 * a newline when the footer is not empty, the footer (each box in its own encoding).
 */
export function programBytes({ header, code, footer, encodings = {} }) {
  const h = fieldBytes(header, encodings.header);
  const c = fieldBytes(code, encodings.code);
  const f = fieldBytes(footer, encodings.footer);
  return concat([h, h.length ? NEWLINE : new Uint8Array(0), c, f.length ? NEWLINE : new Uint8Array(0), f]);
}
