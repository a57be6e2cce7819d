// Unit tests of the page's pure modules, run by node's test runner (npm test; WebModulesTest in Maven).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encode } from '@msgpack/msgpack';
import { byteCount, charCount, CODE_PAGES } from '../src/codepage.js';
import { doneRows, kibibytes, seconds, status } from '../src/format.js';
import { codeBlock, golfPost } from '../src/golf.js';
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
  assert.equal(status('core_dump', 11), 'killed by signal 11 (SIGSEGV), core dumped');
  assert.equal(status('killed', 64), 'killed by signal 64');
  const rows = Object.fromEntries(doneRows({
    timed_out: true, stdout_truncated: true, stderr_truncated: false, status_type: 'killed', status_value: 9,
    real: 60_000_000_000, user: 1, kernel: 2, max_mem: 2048, waits: 1, preemptions: 2,
    major_page_faults: 3, minor_page_faults: 4, input_ops: 5, output_ops: 6,
  }));
  assert.equal(rows.Limits, 'timed out, stdout truncated');
  assert.equal(rows['Real time'], '60.000 s');
  assert.equal(rows['Peak memory'], '2.0 MiB');
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

test('permalink state survives encode and decode exactly', async () => {
  const state = {
    language: 'zsh', header: 'h\n', code: 'ünï 😀 `x`\n\t', footer: '\n#', input: 'in\n',
    arguments: ['a b', '', '  c  '], options: ['-o'], timeout: 17,
  };
  assert.deepEqual(await decodeState(await encodeState(state)), state);
  const link = await permalink(state, 'http://127.0.0.1:1/?x=1#old');
  assert.match(link, /^http:\/\/127\.0\.0\.1:1\/#1=[A-Za-z0-9_-]+$/);
  assert.equal(savedValue(new URL(link)), link.split('#1=')[1]);
});

test('ATO schema-1 saves (11 fields, query string, string lists, base64 fields) open too', async () => {
  const fields = ['python', '-O', 'h', 'utf-8', 'cHJpbnQoMSk', 'base64', '', 'utf-8', 'a\nb', 'in', 'utf-8'];
  const z = new Uint8Array(await new Response(new Blob([encode(fields)]).stream()
    .pipeThrough(new CompressionStream('deflate-raw'))).arrayBuffer());
  const b64 = Buffer.from(z).toString('base64url');
  const value = savedValue(new URL(`http://h/run?1=${b64}`));
  assert.equal(value, b64);
  assert.deepEqual(await decodeState(value), {
    language: 'python', header: 'h', code: 'print(1)', footer: '', input: 'in',
    arguments: ['a', 'b'], options: ['-O'], timeout: 60,
  });
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
