// Byte counting. Code golf scores programs in bytes: UTF-8 for most languages, but a language whose
// catalog entry has `sbcs: true` reads its source in its own single-byte code page, where every
// character of the page is one byte.
import { decodeBase64 } from './encoding.js';

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

/** Vyxal 2's code page (its line feed is byte 0x0A; ¶ is a command of its own). */
const VYXAL =
  'λƛ¬∧⟑∨⟇÷×«\n»°•ß†€½∆ø↔¢⌐æʀʁɾɽÞƈ∞¨ !"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]`^_' +
  'abcdefghijklmnopqrstuvwxyz{|}~↑↓∴∵›‹∷¤ð→←βτȧḃċḋėḟġḣḭŀṁṅȯṗṙṡṫẇẋẏż√⟨⟩‛₀₁₂₃₄₅₆₇₈¶⁋§ε¡∑¦≈µȦḂĊḊĖḞĠḢİĿṀṄ' +
  'ȮṖṘṠṪẆẊẎŻ₌₍⁰¹²∇⌈⌊¯±₴…□↳↲⋏⋎꘍ꜝ℅≤≥≠⁼ƒɖ∪∩⊍£¥⇧⇩ǍǎǏǐǑǒǓǔ⁽‡≬⁺↵⅛¼¾Π„‟';

/** Husk's code page. */
const HUSK =
  '¤½↕↑↓↔←→∟¦\n¡¿‼…‰†‡√≤≥±∂∫∞≈≠≡⌐¬÷× !"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_' +
  '`abcdefghijklmnopqrstuvwxyz{|}~·₀₁₂₃₄₅₆₇₈₉⌈⌉⌊⌋ΓΔΘΛΞΠΣΦΨΩαβγδεζηθλμξπρςστφχψω⁰¹²³⁴⁵⁶⁷⁸⁹¢£€¥ƒ´▲▼►◄' +
  '§ȦḂĊḊĖḞĠḢİĿṀṄȮṖṘṠṪẆẊẎŻȧḃċḋėḟġḣıȷŀṁṅȯṗṙṡṫẇẋẏż¨ÄËÏÖÜŸØäëïöüÿø◊□¶«»';

/** 05AB1E's code page. */
const OSABIE =
  'ǝʒαβγδεζηθ\nвимнтΓΔΘιΣΩ≠∊∍∞₁₂₃₄₅₆ !"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`' +
  'abcdefghijklmnopqrstuvwxyz{|}~Ƶ€Λ‚ƒ„…†‡ˆ‰Š‹ŒĆŽƶĀ‘’“”•–—˜™š›œćžŸā¡¢£¤¥¦§¨©ª«¬λ®¯°±²³´µ¶·¸¹º»¼½¾¿' +
  'ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖ×ØÙÚÛÜÝÞßàáâãäåæçèéêëìíîïðñòóôõö÷øùúûüýþÿ';

/** ISO 8859-1: byte n is U+00nn (Retina reads its source so). */
const LATIN1 = String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i));

/**
 * Code pages by language id (ATO's ids). An sbcs language missing here (Charcoal, dzaima/APL, flax, Nekomata,
 * Thunno 2) is counted one byte per character, as ATO counts every sbcs language.
 */
export const CODE_PAGES = Object.freeze({
  jelly: page("Jelly's code page", JELLY, { '\n': '¶' }),
  vyxal: page("Vyxal's code page", VYXAL),
  husk: page("Husk's code page", HUSK),
  '05ab1e': page("05AB1E's code page", OSABIE),
  retina: page('ISO 8859-1', LATIN1),
});

/** Counts the characters (code points, not UTF-16 units) of a string. */
export function charCount(text) {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * Scores `text` for the language `lang` (an entry of /api/v1/languages plus its `id`) in the box's `encoding`
 * ("utf-8", "base64" or "sbcs"; by default "sbcs" where the language has `sbcs: true`, else "utf-8").
 * Returns {bytes, encoding, note}: `encoding` names what the bytes were counted in.
 */
export function byteCount(text, lang, encoding = lang?.sbcs ? 'sbcs' : 'utf-8') {
  const utf8 = new TextEncoder().encode(text).length;
  if (encoding === 'base64') {
    try {
      return { bytes: decodeBase64(text).length, encoding: 'base64', note: '' };
    } catch (e) {
      return { bytes: utf8, encoding: 'UTF-8', note: `not base64: ${e.message}` };
    }
  }
  if (encoding !== 'sbcs') return { bytes: utf8, encoding: 'UTF-8', note: '' };
  const cp = lang ? CODE_PAGES[lang.id] : undefined;
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
