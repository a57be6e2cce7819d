// Unit tests of the page's pure modules, run by node's test runner (npm test; WebModulesTest in Maven).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import { encode } from '@msgpack/msgpack';
import { byteCount, charCount, CODE_PAGES } from '../src/codepage.js';
import { doneRows, kibibytes, seconds, status } from '../src/format.js';
import { chatPost, codeBlock, golfPost } from '../src/golf.js';
import { decodeBase64, fieldBytes, programBytes } from '../src/encoding.js';
import { decodeState, encodeState, permalink, savedValue } from '../src/permalink.js';
import { closeError } from '../src/runner.js';

test('Jelly code page has 256 distinct characters in Jelly order', () => {
  const page = CODE_PAGES.jelly;
  assert.equal(page.bytes.get('¡'), 0x00);
  assert.equal(page.bytes.get(' '), 0x20);
  assert.equal(page.bytes.get('A'), 0x41);
  assert.equal(page.bytes.get('¶'), 0x7f);
  assert.equal(page.bytes.get('\n'), 0x7f);
  assert.equal(page.bytes.get('°'), 0x80);
  assert.equal(page.bytes.get('”'), 0xff);
  assert.equal(new Set([...page.bytes.values()]).size, 256);
});

test('byte count is UTF-8 for ordinary languages and code-page bytes for sbcs ones', () => {
  const python = { id: 'python', sbcs: false };
  const jelly = { id: 'jelly', sbcs: true };
  assert.deepEqual(byteCount('é😀', python), { bytes: 6, encoding: 'UTF-8', note: '' });
  assert.deepEqual(byteCount('“3ḅaė;œ»\nṄ', jelly), { bytes: 10, encoding: "Jelly's code page", note: '' });
  assert.deepEqual(byteCount('', jelly), { bytes: 0, encoding: "Jelly's code page", note: '' });
  const outside = byteCount('ḷé', jelly);
  assert.equal(outside.bytes, 5);
  assert.equal(outside.encoding, 'UTF-8');
  assert.match(outside.note, /"é" is not in Jelly's code page/);
  // An sbcs language without a table here is scored one byte per character, as ATO does.
  assert.deepEqual(byteCount('ṅ€', { id: 'unknown_golf', sbcs: true }),
    { bytes: 2, encoding: 'SBCS', note: 'one byte per character' });
  assert.deepEqual(byteCount('abc', undefined), { bytes: 3, encoding: 'UTF-8', note: '' });
});

test('char count counts code points, not UTF-16 units', () => {
  assert.equal(charCount('a😀é'), 3);
  assert.equal(charCount(''), 0);
});

test('times, memory and statuses read in human units', () => {
  assert.equal(seconds(1_234_567_890), '1.235 s');
  assert.equal(seconds(0), '0.000 s');
  assert.equal(kibibytes(512), '512 KiB');
  assert.equal(kibibytes(9876), '9.6 MiB');
  assert.equal(kibibytes(3 * 1024 * 1024), '3.0 GiB');
  assert.equal(status('exited', 0), 'exited with code 0');
  assert.equal(status('killed', 9), 'killed by signal 9 (SIGKILL)');
  assert.equal(status('core_dumped', 11), 'killed by signal 11 (SIGSEGV), core dumped');
  assert.equal(status('killed', 64), 'killed by signal 64');
  const rows = Object.fromEntries(doneRows({
    timed_out: true, stdout_truncated: true, stderr_truncated: false, status_type: 'killed', status_value: 9,
    real: 60_000_000_000, user: 1, kernel: 2, max_mem: 2048, waits: 1, preemptions: 2,
    major_page_faults: 3, minor_page_faults: 4, input_ops: 5, output_ops: 6,
  }));
  assert.equal(rows.Limits, 'timed out, stdout truncated');
  assert.equal(rows['Real time'], '60.000 s');
  assert.equal(rows['Peak memory'], '2.0 MiB');
  assert.equal(rows['Charged to the run'], undefined); // only with the cgroup_max_mem extension
  const withCgroup = Object.fromEntries(doneRows({ status_type: 'exited', status_value: 0, max_mem: 3480, cgroup_max_mem: 768 }));
  assert.equal(withCgroup['Charged to the run'], '768 KiB');
});

test('code blocks use a fence longer than any backtick run in the code', () => {
  assert.equal(codeBlock('print(1)', 'python'), '```python\nprint(1)\n```');
  assert.equal(codeBlock('a````b', 'lang-bash'), '`````bash\na````b\n`````');
  assert.equal(codeBlock('x', ''), '```\nx\n```');
});

test('the Code Golf post has the title, the code and the links', () => {
  const post = golfPost({ name: 'Python', url: 'https://www.python.org', seClass: 'python', code: 'print(1)',
    bytes: 8, encoding: 'UTF-8', link: 'http://h/#1=abc' });
  assert.equal(post, '# [Python], 8 bytes\n\n```python\nprint(1)\n```\n\n' +
    '[Attempt This Online!](http://h/#1=abc)\n\n[Python]: https://www.python.org\n');
  const one = golfPost({ name: 'Jelly [new]', url: 'u', seClass: '', code: 'ḷ', bytes: 1,
    encoding: "Jelly's code page", link: 'l' });
  assert.match(one, /^# \[Jelly \\\[new\\\]\], 1 byte \(Jelly's code page\)\n/);
});

test('permalink state survives encode and decode exactly, encodings included', async () => {
  const state = {
    language: 'zsh', header: 'h\n', code: 'ünï 😀 `x`\n\t', footer: '\n#', input: 'aGk=',
    arguments: ['a b', '', '  c  '], options: ['-o'], timeout: 17,
    encodings: { header: 'utf-8', code: 'sbcs', footer: 'utf-8', input: 'base64' },
  };
  assert.deepEqual(await decodeState(await encodeState(state)), { state, problems: [] });
  const link = await permalink(state, 'http://127.0.0.1:1/run?x=1#old');
  assert.match(link, /^http:\/\/127\.0\.0\.1:1\/run#1=[A-Za-z0-9_-]+$/);
  assert.deepEqual(savedValue(new URL(link)), { schema: '1', value: link.split('#1=')[1], language: null });
});

/**
 * A link as ATO's page writes it, made here with node's zlib and Buffer (not the page's code): msgpack of the
 * eleven fields, deflateRaw, URL-safe base64 without padding, under the query key "1" (or "0").
 */
function atoLink(fields, key = '1', extra = '') {
  const b64 = deflateRawSync(Buffer.from(encode(fields))).toString('base64url');
  return new URL(`https://ato.example/run?${new URLSearchParams({ [key]: b64 })}${extra}`);
}

test('ATO schema-1 links open exactly: JSON list text, per-box encodings, base64 kept as such', async () => {
  const fields = ['python', '["-O", 3, true]', 'import sys', 'utf-8', 'cHJpbnQoMSk', 'base64', '', 'utf-8',
    '["a b", ""]', '/w==', 'base64'];
  const saved = savedValue(atoLink(fields));
  assert.equal(saved.schema, '1');
  assert.deepEqual(await decodeState(saved.value, saved.schema), {
    state: {
      language: 'python', header: 'import sys', code: 'cHJpbnQoMSk', footer: '', input: '/w==',
      arguments: ['a b', ''], options: ['-O', '3', 'true'], timeout: 60,
      encodings: { header: 'utf-8', code: 'base64', footer: 'utf-8', input: 'base64' },
    },
    problems: [],
  });
  // The program ATO would run: header, newline, the code's bytes.
  const { state } = await decodeState(saved.value);
  assert.equal(new TextDecoder().decode(programBytes(state)), 'import sys\nprint(1)');
  assert.deepEqual([...fieldBytes(state.input, state.encodings.input)], [0xff]);
});

test('ATO links: empty lists, sbcs and null code encodings, ?L= overrides, schema 0, bad list text kept', async () => {
  const v1 = atoLink(['jelly', '', '', 'utf-8', '“3ḅaė;œ»', 'sbcs', '', 'utf-8', '', '', 'utf-8'], '1', '&L=vyxal');
  const s1 = savedValue(v1);
  assert.equal(s1.language, 'vyxal');
  const d1 = await decodeState(s1.value, s1.schema);
  assert.deepEqual(d1.state.options, []);
  assert.equal(d1.state.encodings.code, 'sbcs');
  const auto = await decodeState(savedValue(atoLink(['jelly', '', '', 'utf-8', 'x', null, '', 'utf-8', '', '', 'utf-8'])).value);
  assert.equal(auto.state.encodings.code, null);
  // Schema 0: nine fields, no options or arguments; "1" wins over "0" when both are there, as on ATO.
  const v0 = atoLink(['bash', 'set -e', 'utf-8', 'echo hi', 'utf-8', '', 'utf-8', 'in', 'utf-8'], '0');
  const s0 = savedValue(v0);
  assert.equal(s0.schema, '0');
  const d0 = await decodeState(s0.value, s0.schema);
  assert.equal(d0.state.code, 'echo hi');
  assert.deepEqual([d0.state.arguments, d0.state.options], [[], []]);
  const both = new URL(`${v0.href}&1=${new URLSearchParams(v1.search).get('1')}`);
  assert.equal(savedValue(both).schema, '1');
  assert.deepEqual(savedValue(new URL('https://ato.example/run?l=bash')), { schema: null, value: null, language: 'bash' });
  assert.equal(savedValue(new URL('https://ato.example/run')), null);
  const bad = await decodeState(savedValue(atoLink(['bash', '[1,', '', 'utf-8', '', 'utf-8', '', 'utf-8', '[null]', '', 'utf-8'])).value);
  assert.deepEqual(bad.state.options, ['[1,']);
  assert.deepEqual(bad.state.arguments, ['[null]']);
  assert.equal(bad.problems.length, 2);
  assert.match(bad.problems[0], /options are not a JSON list/);
});

test('base64 boxes decode both alphabets, with or without padding, and refuse other text', () => {
  assert.deepEqual([...decodeBase64('/+8=')], [0xff, 0xef]);
  assert.deepEqual([...decodeBase64('_-8')], [0xff, 0xef]);
  assert.deepEqual([...decodeBase64(' aGk\n= ')], [0x68, 0x69]);
  assert.deepEqual([...decodeBase64('')], []);
  assert.throws(() => decodeBase64('aGk*'), /"\*" is not a base64 character/);
  assert.throws(() => decodeBase64('aGkhx'), /one character too many/);
  assert.deepEqual([...fieldBytes('é', 'utf-8')], [0xc3, 0xa9]);
  assert.deepEqual([...fieldBytes('é', 'sbcs')], [0xc3, 0xa9]); // sent as UTF-8, counted in the code page
});

test('the program is header, newline, code, newline, footer, the newlines only after or before a non-empty box', () => {
  const run = (header, code, footer, encodings) => new TextDecoder().decode(programBytes({ header, code, footer, encodings }));
  assert.equal(run('', 'c', ''), 'c');
  assert.equal(run('h', 'c', ''), 'h\nc');
  assert.equal(run('', 'c', 'f'), 'c\nf');
  assert.equal(run('h', '', 'f'), 'h\n\nf');
  assert.equal(run('aA==', 'Yw==', '', { header: 'base64', code: 'base64' }), 'h\nc');
});

test('every code page is counted in its own bytes: Jelly, Vyxal, Husk, 05AB1E, Retina (ISO 8859-1)', () => {
  const count = (id, text) => byteCount(text, { id, sbcs: true });
  assert.deepEqual(count('vyxal', 'kH'), { bytes: 2, encoding: "Vyxal's code page", note: '' });
  assert.deepEqual(count('vyxal', 'λƛ‟\n'), { bytes: 4, encoding: "Vyxal's code page", note: '' });
  assert.equal(CODE_PAGES.vyxal.bytes.get('`'), 0x5e); // Vyxal's page puts the backtick before ^ and _
  assert.equal(CODE_PAGES.husk.bytes.get('¤'), 0x00);
  assert.equal(CODE_PAGES.husk.bytes.get('»'), 0xff);
  assert.deepEqual(count('husk', '₁₂m←'), { bytes: 4, encoding: "Husk's code page", note: '' });
  assert.equal(CODE_PAGES['05ab1e'].bytes.get('ǝ'), 0x00);
  assert.equal(CODE_PAGES['05ab1e'].bytes.get('ÿ'), 0xff);
  assert.deepEqual(count('05ab1e', '”Ÿ™,‚ï!”'), { bytes: 8, encoding: "05AB1E's code page", note: '' });
  assert.deepEqual(count('retina', 'ÿé'), { bytes: 2, encoding: 'ISO 8859-1', note: '' });
  assert.match(count('retina', 'λ').note, /"λ" is not in ISO 8859-1/);
  for (const [id, p] of Object.entries(CODE_PAGES)) {
    assert.equal(new Set(p.bytes.values()).size, 256, id);
    for (const c of ' 09AZaz') assert.equal(p.bytes.get(c), c.charCodeAt(0), `${id}: ${c}`); // ASCII where ASCII is
  }
  // The box's encoding decides: UTF-8 or base64 boxes are counted so even for an sbcs language.
  assert.deepEqual(byteCount('λƛ', { id: 'vyxal', sbcs: true }, 'utf-8'), { bytes: 4, encoding: 'UTF-8', note: '' });
  assert.deepEqual(byteCount('/w==', { id: 'vyxal', sbcs: true }, 'base64'), { bytes: 1, encoding: 'base64', note: '' });
  assert.match(byteCount('/w=*', undefined, 'base64').note, /not base64/);
});

test('the chat message is ATO\'s: name, byte count, the code as an inline link', () => {
  assert.equal(chatPost({ name: 'Python', code: 'print(1)', bytes: 8, link: 'http://h/#1=x' }),
    'Python, 8 bytes: [`print(1)`](http://h/#1=x)');
  assert.equal(chatPost({ name: 'Jelly', code: 'x', bytes: 1, link: 'L' }), 'Jelly, 1 byte: [`x`](L)');
});

test('damaged or oversized permalinks are refused with a reason', async () => {
  await assert.rejects(decodeState('not base64!'), /base64url/);
  await assert.rejects(decodeState('AAAA'), Error);
  const notArray = Buffer.from(new Uint8Array(await new Response(new Blob([encode({ a: 1 })]).stream()
    .pipeThrough(new CompressionStream('deflate-raw'))).arrayBuffer())).toString('base64url');
  await assert.rejects(decodeState(notArray), /11 or 12 fields/);
  // 64 MiB of zeros deflate to about 64 KiB; the page must stop inflating at 4 MiB.
  const bomb = Buffer.from(new Uint8Array(await new Response(new Blob([new Uint8Array(64 << 20)]).stream()
    .pipeThrough(new CompressionStream('deflate-raw'))).arrayBuffer())).toString('base64url');
  await assert.rejects(decodeState(bomb), /more than 4 MiB/);
});

test('close codes become the errors a person reads', () => {
  const invalid = closeError(1008, 'invalid request: no such language: x');
  assert.equal(invalid.kind, 'invalid');
  assert.equal(invalid.message, 'invalid request: no such language: x');
  assert.equal(invalid.retry, false);
  assert.equal(closeError(1013, '').kind, 'busy');
  assert.equal(closeError(1013, '').retry, true);
  assert.equal(closeError(1009, 'too big').kind, 'too-large');
  const lost = closeError(1006, '');
  assert.equal(lost.kind, 'lost');
  assert.match(lost.message, /connection to the server was lost \(close code 1006\)/);
  assert.equal(lost.retry, true);
});

test('the language search puts names starting with the query first', async () => {
  const { searchLanguages } = await import('../src/search.js');
  const langs = [
    { id: 'bc', name: 'bc' }, { id: 'c_gcc', name: 'C (GCC)' }, { id: 'clang', name: 'C (clang)' },
    { id: 'objc', name: 'Objective-C' }, { id: 'python', name: 'Python' }, { id: 'cython', name: 'Cython' },
  ];
  const ids = (q) => searchLanguages(langs, q).map((l) => l.id);
  assert.deepEqual(ids('c'), ['clang', 'c_gcc', 'cython', 'objc', 'bc']);
  assert.deepEqual(ids('PY'), ['python']);
  assert.deepEqual(ids('thon'), ['cython', 'python']);
  assert.deepEqual(ids('gcc'), ['c_gcc']);
  assert.deepEqual(ids('zzz'), []);
  assert.equal(ids('  ').length, langs.length);
});

test('an out-of-memory kill is named among the limits hit', () => {
  const rows = Object.fromEntries(doneRows({
    timed_out: false, stdout_truncated: false, stderr_truncated: true, oom_killed: true, status_type: 'killed',
    status_value: 9, real: 0, user: 0, kernel: 0, max_mem: 524288, waits: 0, preemptions: 0,
    major_page_faults: 0, minor_page_faults: 0, input_ops: 0, output_ops: 0,
  }));
  assert.equal(rows.Limits, 'out of memory, stderr truncated');
  assert.equal(rows['Peak memory'], '512.0 MiB');
});
