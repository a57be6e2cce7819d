// Byte counting. Code golf scores programs in bytes: UTF-8 for most languages, but a language whose
// catalog entry has `sbcs: true` reads its source in its own single-byte code page, where every
// character of the page is one byte.

/**
 * Jelly's code page (also used by several other golfing languages), byte 0x00 first. The newline is
 * byte 0x7F, shown as the pilcrow; a literal line feed is the same byte (Jelly's interpreter maps it so).
 */
const JELLY =
  '¡¢£¤¥¦©¬®µ½¿€ÆÇÐÑ×ØŒÞßæçðıȷñ÷øœþ !"#$%&\'()*+,-./0123456789:;<=>?' +
  '@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~¶' +
  '°¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ƁƇƊƑƓƘⱮƝƤƬƲȤɓƈɗƒɠɦƙɱɲƥʠɼʂƭʋȥẠḄḌẸḤỊḲḶṂṆỌṚṢṬỤṾẈỴẒȦḂ' +
  'ĊḊĖḞĠḢİĿṀṄȮṖṘṠṪẆẊẎŻạḅḍẹḥịḳḷṃṇọṛṣṭ§Äẉỵẓȧḃċḋėḟġḣŀṁṅȯṗṙṡṫẇẋẏż«»‘’“”';

/** A code page: its display name, and a map from character (code point) to byte. */
function page(name, chars, aliases = {}) {
  const list = [...chars];
  if (list.length !== 256) throw new Error(`${name}: code page has ${list.length} characters, not 256`);
  const bytes = new Map(list.map((c, i) => [c, i]));
  if (bytes.size !== 256) throw new Error(`${name}: code page repeats a character`);
  for (const [alias, target] of Object.entries(aliases)) bytes.set(alias, bytes.get(target));
  return { name, bytes };
}

/** Code pages by language id. Languages sharing Jelly's page are listed by the ids ATO gives them. */
export const CODE_PAGES = Object.freeze({
  jelly: page("Jelly's code page", JELLY, { '\n': '¶' }),
});

/** Counts the characters (code points, not UTF-16 units) of a string. */
export function charCount(text) {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * Scores `text` for the language `lang` (an entry of /api/v1/languages plus its `id`).
 * Returns {bytes, encoding, note}: `encoding` names what the bytes were counted in.
 */
export function byteCount(text, lang) {
  const utf8 = new TextEncoder().encode(text).length;
  if (!lang || !lang.sbcs) return { bytes: utf8, encoding: 'UTF-8', note: '' };
  const cp = CODE_PAGES[lang.id];
  if (!cp) {
    // A single-byte language whose table this page lacks: ATO itself scores such code one byte per
    // character, trusting that every character is in the language's page.
    return { bytes: charCount(text), encoding: 'SBCS', note: 'one byte per character' };
  }
  for (const c of text) {
    if (!cp.bytes.has(c)) {
      return {
        bytes: utf8,
        encoding: 'UTF-8',
        note: `${JSON.stringify(c)} is not in ${cp.name}`,
      };
    }
  }
  return { bytes: charCount(text), encoding: cp.name, note: '' };
}
