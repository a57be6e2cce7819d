// Browser tests of the run page: Debian's chromium, driven by playwright-core, against the server
// whose base URL is argv[2]. Screenshots go to argv[3]. argv[4], when given, is a second server that
// admits one run at a time and queues none, for the real "busy" (1013) path. Started by
// RunPageBrowserTest (JUnit).
//   node run-page.test.mjs http://127.0.0.1:8500/ /tmp/shots [http://127.0.0.1:8501/]
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { launchChromium } from './chromium.mjs';

const BASE = process.argv[2];
const SHOTS = process.argv[3] ?? join(tmpdir(), 'ato-web-shots');
const BUSY = process.argv[4];
const WAIT = 30_000; // a run on a loaded 2-core machine can take seconds; never a benchmark
if (!BASE) throw new Error('usage: node run-page.test.mjs <server base url> [screenshot dir]');

let browser;
let context;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium(BASE);
  context = browser.context;
});

after(async () => {
  await browser?.close();
});

/** A new tab whose requests are tracked, so that a hang can say what it was waiting for. */
async function newPage() {
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  page.requests = new Map();
  page.on('request', (r) => page.requests.set(r, `${r.method()} ${r.url()}: pending`));
  page.on('requestfinished', (r) => page.requests.delete(r));
  page.on('requestfailed', (r) => page.requests.set(r, `${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
  return page;
}

/** A fresh tab on the page (or on `hash`), once the language list has loaded. */
async function open(hash = '') {
  const page = await newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  page.jsErrors = errors;
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(new Error(`console: ${m.text()}`));
  });
  await page.goto(new URL(hash, BASE).href);
  await ready(page);
  return page;
}

/** Waits for the page's start-up (language list loaded, saved state restored); says why if it hangs. */
async function ready(page) {
  try {
    await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
  } catch (e) {
    const seen = await page.evaluate(() => ({
      url: location.href, ready: document.body?.dataset.ready, error: document.getElementById('error-text')?.textContent,
    })).catch((x) => String(x));
    throw new Error(`the page did not finish starting: ${JSON.stringify(seen)}; page errors: ${page.jsErrors?.join('; ')}; `
      + `unfinished requests: ${[...page.requests.values()].join('; ')}`,
      { cause: e });
  }
}

async function chooseLanguage(page, query, id) {
  await page.fill('#lang-search', query);
  await page.click(`#lang-list li[data-id="${id}"]`);
  assert.equal(await page.inputValue('#lang-search'), (await catalog(page))[id].name);
}

async function catalog(page) {
  return page.evaluate(async () => (await fetch('api/v1/languages')).json());
}

/** Number of runs the page has finished (successfully or not). */
function runsDone(page) {
  return page.evaluate(() => Number(document.body.dataset.runs ?? 0));
}

/** Does `action` (which starts a run), waits for that run to end, returns what the page shows. */
async function runBy(page, action) {
  const before = await runsDone(page);
  await action();
  await page.waitForFunction((n) => Number(document.body.dataset.runs ?? 0) > n, before);
  return page.evaluate(() => {
    const done = {};
    for (const dt of document.querySelectorAll('#done dt')) done[dt.textContent] = dt.nextElementSibling.textContent;
    return {
      stdout: document.getElementById('stdout').textContent,
      stderr: document.getElementById('stderr').textContent,
      done,
      error: document.getElementById('error').hidden ? '' : document.getElementById('error-text').textContent,
    };
  });
}

/** What the page showed besides the output, for assertion messages. */
function why(r) {
  return `error shown: ${JSON.stringify(r.error)}, status: ${JSON.stringify(r.done.Status)}, stderr: ${JSON.stringify(r.stderr)}`;
}

/** Clicks a copy button ("#share", "#golf", "#chat") and returns the text the page copied. */
async function copied(page, button) {
  await page.click(button);
  await page.waitForSelector('#copy-box:not([hidden])');
  return page.inputValue('#copy-text');
}

async function runCode(page, code, fields = {}) {
  await page.fill('#code', code);
  for (const [id, value] of Object.entries(fields)) await page.fill(`#${id}`, value);
  return runBy(page, () => page.click('#run'));
}

test('bash hello world runs and shows its output and a Done record in human units', async () => {
  const page = await open();
  const hello = (await catalog(page)).bash.hello_world;
  await chooseLanguage(page, 'bas', 'bash');
  const r = await runCode(page, hello.code);
  assert.equal(r.error, '');
  assert.equal(r.stdout, hello.output, why(r));
  assert.equal(r.stderr, '');
  assert.equal(r.done.Status, 'exited with code 0');
  assert.equal(r.done.Limits, 'none hit');
  for (const k of ['Real time', 'User time', 'Kernel time']) assert.match(r.done[k], /^\d+\.\d{3} s$/);
  assert.match(r.done['Peak memory'], /^\d+(\.\d)? (KiB|MiB|GiB)$/);
  assert.deepEqual(page.jsErrors, []);
  await page.close();
});

test('python hello world works by keyboard alone, with Ctrl+Enter', async () => {
  const page = await open();
  const hello = (await catalog(page)).python.hello_world;
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'lang-search');
  await page.keyboard.type('python'); // 'pyth' is also Pyth's prefix
  assert.equal(await page.getAttribute('#lang-search', 'aria-expanded'), 'true');
  await page.keyboard.press('Enter');
  assert.equal(await page.inputValue('#lang-search'), 'Python');
  const order = [];
  for (let i = 0; i < 4; i++) {
    await page.keyboard.press('Tab');
    order.push(await page.evaluate(() => document.activeElement.id || document.activeElement.textContent));
  }
  // the box, the language's link, then the form (each text box followed by its encoding)
  assert.deepEqual(order, ['Python', 'header', 'header-encoding', 'code']);
  await page.keyboard.type(hello.code);
  const r = await runBy(page, () => page.keyboard.press('Control+Enter'));
  assert.equal(r.stdout, hello.output, why(r));
  assert.equal(r.done.Status, 'exited with code 0');
  await page.close();
});

test('header, code and footer are concatenated and input and arguments reach the program', async () => {
  const page = await open();
  await chooseLanguage(page, 'python', 'python');
  const r = await runCode(page, 'print(sys.argv[1:])\nprint(input()[::-1])', {
    header: 'import sys\n',
    footer: "\nprint('footer ran')",
    input: 'hello world\n',
    arguments: 'two words\n\nthird',
  });
  assert.equal(r.error, '');
  assert.equal(r.stdout, "['two words', '', 'third']\ndlrow olleh\nfooter ran\n", why(r));
  await page.close();
});

test('stderr and a non-zero exit status are shown apart from stdout', async () => {
  const page = await open();
  await chooseLanguage(page, 'bash', 'bash');
  const r = await runCode(page, 'echo out; echo "oops ✓" >&2; exit 3');
  assert.equal(r.stdout, 'out\n', why(r));
  assert.equal(r.stderr, 'oops ✓\n');
  assert.equal(r.done.Status, 'exited with code 3');
  await page.close();
});

test('output streams into the page before the run ends', async () => {
  const page = await open();
  await chooseLanguage(page, 'bash', 'bash');
  await page.fill('#code', 'echo first; sleep 4; echo second');
  const r = await runBy(page, async () => {
    await page.click('#run');
    await page.waitForFunction(() => document.getElementById('stdout').textContent === 'first\n');
    assert.equal(await page.getAttribute('body', 'data-state'), 'running');
    assert.equal(await page.textContent('#done'), '');
  });
  assert.equal(r.stdout, 'first\nsecond\n', why(r));
  await page.close();
});

test('Kill stops a running program and its Done record still arrives', async () => {
  const page = await open();
  await chooseLanguage(page, 'bash', 'bash');
  await page.fill('#code', 'echo started; sleep 50; echo never');
  const r = await runBy(page, async () => {
    await page.click('#run');
    await page.waitForFunction(() => document.getElementById('stdout').textContent === 'started\n');
    assert.equal(await page.isDisabled('#kill'), false);
    await page.click('#kill');
  });
  assert.equal(r.stdout, 'started\n', why(r));
  assert.match(r.done.Status, /^killed by signal 9 \(SIGKILL\)|^exited with code 137$/);
  assert.ok(parseFloat(r.done['Real time']) < 40, `killed run took ${r.done['Real time']}`);
  assert.equal(await page.isDisabled('#kill'), true);
  // The same connection (or a fresh one) takes the next run.
  const again = await runCode(page, 'echo after');
  assert.equal(again.stdout, 'after\n', why(again));
  await page.close();
});

test('one WebSocket carries run after run', async () => {
  const page = await open();
  const sockets = [];
  page.on('websocket', (ws) => sockets.push(ws.url()));
  await chooseLanguage(page, 'bash', 'bash');
  for (const word of ['one', 'two', 'three']) {
    const r = await runCode(page, `echo ${word}`);
    assert.equal(r.stdout, `${word}\n`, why(r));
  }
  // Ctrl+Enter pressed twice at once starts one run, not two.
  const r = await runBy(page, async () => {
    await page.fill('#code', 'echo once');
    await page.focus('#code');
    await Promise.all([page.keyboard.press('Control+Enter'), page.keyboard.press('Control+Enter')]);
  });
  assert.equal(r.stdout, 'once\n', why(r));
  await page.waitForTimeout(500);
  assert.equal(await runsDone(page), 4);
  // One socket, asking for Done's extensions (oom_killed, cgroup_max_mem).
  assert.deepEqual(sockets, [new URL('api/v1/ws/execute?extensions=1', BASE).href.replace(/^http/, 'ws')]);
  await page.close();
});

test('the timeout field limits the run and a timed-out or truncated run says so', async () => {
  const page = await open();
  await chooseLanguage(page, 'python', 'python');
  let r = await runCode(page, 'import time\nprint("waiting", flush=True)\ntime.sleep(30)', { timeout: '1' });
  assert.equal(r.stdout, 'waiting\n', why(r));
  assert.match(r.done.Limits, /timed out/);
  assert.ok(parseFloat(r.done['Real time']) < 10, `a 1 s timeout took ${r.done['Real time']}`);
  assert.equal(await page.textContent('#run-state'), '(timed out)');
  r = await runCode(page, 'print("x" * 1_000_000)', { timeout: '10' });
  assert.match(r.done.Limits, /stdout truncated/);
  assert.ok(r.stdout.length < 1_000_000 && r.stdout.length > 0, `stdout of ${r.stdout.length} chars`);
  // A timeout the server would refuse is caught before sending.
  await page.fill('#timeout', '0');
  await page.click('#run');
  assert.match(await page.textContent('#error-text'), /timeout must be a whole number of seconds from 1 to 60/);
  await page.close();
});

test('the permalink reopens exactly the same state', async () => {
  const page = await open();
  await chooseLanguage(page, 'zsh', 'zsh');
  const state = {
    header: 'set -e\n',
    code: 'echo "$1" — ünïcødé 😀 `x` \\n\n\ttabbed',
    footer: '\n# the end',
    input: 'line 1\nline 2\n',
    arguments: 'first arg\n\n  spaced  ',
    options: '-o\nextended_glob',
    timeout: '17',
  };
  for (const [id, value] of Object.entries(state)) await page.fill(`#${id}`, value);
  const link = await copied(page, '#share');
  assert.equal(link, page.url());
  assert.match(link, /#1=[A-Za-z0-9_-]+$/);
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), link);

  const again = await open(link);
  assert.equal(await again.inputValue('#lang-search'), 'Zsh');
  for (const [id, value] of Object.entries(state)) assert.equal(await again.inputValue(`#${id}`), value, id);
  assert.equal(await again.isHidden('#error'), true);
  await again.close();
  await page.close();
});

test('the byte count is UTF-8 bytes next to the character count', async () => {
  const page = await open();
  await chooseLanguage(page, 'python', 'python');
  await page.fill('#code', "print('é😀')");
  assert.equal(await page.textContent('#code-count'), '15 bytes (UTF-8), 11 chars');
  await page.fill('#code', 'x');
  assert.equal(await page.textContent('#code-count'), '1 byte (UTF-8), 1 char');
  await page.close();
});

test('a language with sbcs set is counted in its own code page (catalog entry added in the browser)', async () => {
  // No single-byte language is in the catalog yet: add Jelly to the list this tab sees, to check the
  // page's mechanism end to end. The server itself is not involved in counting.
  const page = await newPage();
  await page.route('**/api/v1/languages', async (route) => {
    const json = await (await route.fetch()).json();
    json.jelly = { name: 'Jelly', version: '70c9fd93', url: 'https://github.com/DennisMitchell/jellylanguage',
      sbcs: true, se_class: '', image: 'host', hello_world: { code: '“3ḅaė;œ»', output: 'Hello, World!' }, ready: false };
    json.vyxal = { name: 'Vyxal', version: '2', url: 'https://github.com/Vyxal/Vyxal',
      sbcs: true, se_class: '', image: 'host', hello_world: { code: 'kH', output: 'Hello, World!' }, ready: false };
    await route.fulfill({ json });
  });
  await page.goto(BASE);
  await ready(page);
  await chooseLanguage(page, 'jel', 'jelly');
  await page.fill('#code', '“3ḅaė;œ»\nṄ');
  assert.equal(await page.textContent('#code-count'), "10 bytes (Jelly's code page), 10 chars");
  await page.fill('#code', 'ḷ€😀');
  assert.equal(await page.textContent('#code-count'), `10 bytes (UTF-8: "😀" is not in Jelly's code page), 3 chars`);
  assert.equal(await page.inputValue('#code-encoding'), 'sbcs');
  await chooseLanguage(page, 'vyx', 'vyxal');
  await page.fill('#code', 'λƛ‟`kH');
  assert.equal(await page.textContent('#code-count'), "6 bytes (Vyxal's code page), 6 chars");
  await page.selectOption('#code-encoding', 'utf-8');
  assert.equal(await page.textContent('#code-count'), '10 bytes (UTF-8), 6 chars');
  await chooseLanguage(page, 'bash', 'bash');
  assert.equal(await page.inputValue('#code-encoding'), 'utf-8');
  await page.close();
});

test('Copy as Code Golf answer gives the Markdown post with the byte count and the permalink', async () => {
  const page = await open();
  await chooseLanguage(page, 'python', 'python');
  await page.fill('#header', 'import os\n');
  await page.fill('#code', 'print(1)');
  const post = await copied(page, '#golf');
  const link = page.url();
  assert.match(link, /#1=/);
  assert.equal(post,
    '# [Python], 8 bytes\n\n```python\nprint(1)\n```\n\n' +
    `[Attempt This Online!](${link})\n\n[Python]: https://www.python.org\n`);
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), post);
  await page.close();
});

/** msgpack of an array of strings and nulls (all this file needs), written by hand: ATO's links carry one. */
function msgpackStrings(items) {
  const parts = [Buffer.from([0x90 + items.length])];
  for (const x of items) {
    if (x === null) {
      parts.push(Buffer.from([0xc0]));
      continue;
    }
    const b = Buffer.from(x, 'utf8');
    if (b.length > 255) throw new Error('string too long for this helper');
    parts.push(b.length < 32 ? Buffer.from([0xa0 + b.length]) : Buffer.from([0xd9, b.length]), b);
  }
  return Buffer.concat(parts);
}

/** A link in ATO's schema 1, as ATO's page writes it: /run?1=base64url(deflateRaw(msgpack(11 fields))). */
function atoLink(fields, extra = '') {
  return new URL(`run?1=${deflateRawSync(msgpackStrings(fields)).toString('base64url')}${extra}`, BASE).href;
}

test("ATO's own /run?1= links open with their JSON lists and encodings, and run ATO's program", async () => {
  const link = atoLink(['bash', '', 'set -u', 'utf-8', 'printf "%s|" "$@"; od -An -tx1', 'utf-8', 'echo footer', 'utf-8',
    '["one two", "", 3]', '/wA=', 'base64']);
  const page = await open(link);
  assert.equal(await page.inputValue('#lang-search'), 'Bash');
  assert.equal(await page.inputValue('#header'), 'set -u');
  assert.equal(await page.inputValue('#arguments'), 'one two\n\n3');
  assert.equal(await page.inputValue('#input'), '/wA=');
  assert.equal(await page.inputValue('#input-encoding'), 'base64');
  assert.equal(await page.isHidden('#error'), true);
  const r = await runBy(page, () => page.click('#run'));
  // header + newline + code + newline + footer, as ATO joins them; the input is the bytes ff 00.
  assert.equal(r.stdout, 'one two||3| ff 00\nfooter\n', why(r));
  // ?L= overrides the saved language, as on ATO.
  const other = await open(atoLink(['bash', '', '', 'utf-8', 'print(1)', 'utf-8', '', 'utf-8', '', '', 'utf-8'], '&L=python'));
  assert.equal(await other.inputValue('#lang-search'), 'Python');
  await other.close();
  await page.close();
});

test('per-box encodings: base64 code runs as its bytes, bad base64 is refused before sending', async () => {
  const page = await open();
  await chooseLanguage(page, 'bash', 'bash');
  await page.selectOption('#code-encoding', 'base64');
  await page.fill('#code', Buffer.from('echo from base64').toString('base64'));
  assert.equal(await page.textContent('#code-count'), '16 bytes (base64), 24 chars');
  const r = await runBy(page, () => page.click('#run'));
  assert.equal(r.stdout, 'from base64\n', why(r));
  await page.fill('#code', 'not*base64');
  await page.click('#run');
  assert.match(await page.textContent('#error-text'), /not valid base64: "\*" is not a base64 character/);
  // The encodings travel in our permalink too.
  await page.selectOption('#input-encoding', 'base64');
  const again = await open(await copied(page, '#share'));
  assert.equal(await again.inputValue('#code-encoding'), 'base64');
  assert.equal(await again.inputValue('#input-encoding'), 'base64');
  await again.close();
  await page.close();
});

test('Copy for chat gives ATO\'s one-line chat message', async () => {
  const page = await open();
  await chooseLanguage(page, 'python', 'python');
  await page.fill('#code', 'print(1)');
  const message = await copied(page, '#chat');
  assert.equal(message, `Python, 8 bytes: [\`print(1)\`](${page.url()})`);
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), message);
  await page.close();
});

test('header and footer boxes grow with their content and shrink back', async () => {
  const page = await open();
  await chooseLanguage(page, 'bash', 'bash');
  const height = (id) => page.evaluate((i) => document.getElementById(i).getBoundingClientRect().height, id);
  for (const id of ['header', 'footer']) {
    const one = await height(id);
    await page.fill(`#${id}`, 'a\nb\nc\nd\ne\nf');
    const six = await height(id);
    assert.ok(six > one * 3, `${id}: ${one}px for one line, ${six}px for six`);
    const scrolls = await page.evaluate((i) => { const b = document.getElementById(i); return b.scrollHeight > b.clientHeight; }, id);
    assert.equal(scrolls, false, `${id} scrolls instead of growing`);
    await page.fill(`#${id}`, '');
    assert.equal(await height(id), one);
  }
  // A permalink with a long header opens with the box already tall enough.
  await page.fill('#header', Array.from({ length: 8 }, (_, i) => `# ${i}`).join('\n'));
  const again = await open(await copied(page, '#share'));
  assert.equal(await again.evaluate(() => { const b = document.getElementById('header'); return b.scrollHeight <= b.clientHeight; }), true);
  await again.close();
  await page.close();
});

test('an unknown language is reported on load and the server refusal is shown on run', async () => {
  const maker = await open();
  await chooseLanguage(maker, 'bash', 'bash');
  await maker.fill('#code', 'echo hi');
  await copied(maker, '#share');
  // Re-point the saved permalink at a language the server lacks, editing its msgpack bytes in place.
  const bad = await maker.evaluate(async (url) => {
    const b64 = new URL(url).hash.slice(3).replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
    const raw = new Uint8Array(await new Response(new Blob([bytes]).stream()
      .pipeThrough(new DecompressionStream('deflate-raw'))).arrayBuffer());
    // msgpack: fixarray(12), then fixstr(4) "bash" -> fixstr(16) "no_such_language"
    if (raw[0] !== 0x9c || raw[1] !== 0xa4) throw new Error('unexpected permalink layout');
    const edited = new Uint8Array([0x9c, 0xb0, ...new TextEncoder().encode('no_such_language'), ...raw.subarray(6)]);
    const z = new Uint8Array(await new Response(new Blob([edited]).stream()
      .pipeThrough(new CompressionStream('deflate-raw'))).arrayBuffer());
    let bin = '';
    for (const x of z) bin += String.fromCharCode(x);
    return `#1=${btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}`;
  }, maker.url());
  await maker.close();

  const page2 = await open(bad);
  assert.match(await page2.textContent('#error-text'), /Unknown language "no_such_language"/);
  assert.equal(await page2.inputValue('#code'), 'echo hi');
  const r = await runBy(page2, () => page2.click('#run'));
  assert.match(r.error, /invalid request/i);
  assert.match(r.error, /no_such_language|language/i);
  assert.equal(await page2.isHidden('#retry'), true);
  // Picking a real language recovers on a fresh connection.
  await chooseLanguage(page2, 'bash', 'bash');
  const ok = await runCode(page2, 'echo recovered');
  assert.equal(ok.stdout, 'recovered\n', why(ok));
  assert.equal(ok.error, '');
  await page2.close();
});

test('a refused or dropped connection (1013, then 1011 from a stand-in socket) is shown plainly and Retry runs again', async () => {
  const page = await newPage();
  let connections = 0;
  // The first two sockets are answered here (busy, then a dropped connection); the rest go to the server.
  await page.routeWebSocket(/\/api\/v1\/ws\/execute(\?|$)/, (ws) => {
    connections += 1;
    if (connections === 1) {
      ws.onMessage(() => ws.close({ code: 1013, reason: 'try again later' }));
    } else if (connections === 2) {
      ws.onMessage(() => ws.close({ code: 1011, reason: '' }));
    } else {
      ws.connectToServer();
    }
  });
  await page.goto(BASE);
  await ready(page);
  await chooseLanguage(page, 'bash', 'bash');
  await page.fill('#code', 'echo third time lucky');
  let r = await runBy(page, () => page.click('#run'));
  assert.match(r.error, /busy/i);
  assert.equal(await page.isVisible('#retry'), true);
  r = await runBy(page, () => page.click('#retry'));
  assert.match(r.error, /connection to the server was lost/i);
  assert.equal(await page.isVisible('#retry'), true);
  r = await runBy(page, () => page.click('#retry'));
  assert.equal(r.error, '');
  assert.equal(r.stdout, 'third time lucky\n', why(r));
  assert.equal(connections, 3);
  await page.close();
});

test('a server at its run limit answers 1013, the page says it is busy, and Retry runs once it is free',
  { skip: !BUSY && 'no one-run server given (argv[4])' }, async () => {
    const holder = await open(BUSY);
    await chooseLanguage(holder, 'bash', 'bash');
    await holder.fill('#code', 'echo holding; sleep 50');
    const held = runBy(holder, () => holder.click('#run'));
    await holder.waitForFunction(() => document.getElementById('stdout').textContent === 'holding\n');

    const page = await open(BUSY);
    await chooseLanguage(page, 'bash', 'bash');
    let r = await runCode(page, 'echo my turn');
    assert.match(r.error, /^The server is busy/);
    assert.equal(r.stdout, '', why(r));
    assert.equal(await page.isVisible('#retry'), true);

    await holder.click('#kill');
    assert.match((await held).done.Status, /killed|137/);
    // The slot frees as the killed run is cleaned up; Retry until it is taken, a few times at most.
    for (let i = 0; i < 20; i++) {
      r = await runBy(page, () => page.click('#retry'));
      if (!/busy/.test(r.error)) break;
      await page.waitForTimeout(250);
    }
    assert.equal(r.error, '');
    assert.equal(r.stdout, 'my turn\n', why(r));
    await holder.close();
    await page.close();
  });

test('a language list that cannot be loaded is reported, and Retry loads it', async () => {
  const page = await newPage();
  let refused = 0;
  await page.route('**/api/v1/languages', (route) => {
    refused += 1;
    return route.abort('connectionrefused');
  });
  await page.goto(BASE);
  await ready(page);
  assert.equal(refused, 3); // the page tries three times before it gives up
  assert.match(await page.textContent('#error-text'), /^Could not load the language list: /);
  assert.equal(await page.isVisible('#retry'), true);
  await page.unroute('**/api/v1/languages');
  await Promise.all([page.waitForEvent('load'), page.click('#retry')]); // Retry reloads the page
  await ready(page);
  assert.equal(await page.isHidden('#error'), true);
  assert.notEqual(await page.inputValue('#lang-search'), '');
  await page.close();
});

test('screenshots: light and dark on a desktop, dark on a phone without sideways scrolling', async () => {
  for (const [scheme, width, height, name] of [
    ['light', 1280, 900, 'run-page-light.png'],
    ['dark', 1280, 900, 'run-page-dark.png'],
    ['dark', 390, 844, 'run-page-phone-dark.png'],
    ['light', 390, 844, 'run-page-phone-light.png'],
  ]) {
    const page = await open();
    await page.setViewportSize({ width, height });
    await page.emulateMedia({ colorScheme: scheme });
    await chooseLanguage(page, 'python', 'python');
    const r = await runCode(page, "import sys\nprint('Hello, World!')\nprint('a warning', file=sys.stderr)",
      { input: 'some input', arguments: '--flag' });
    assert.equal(r.stdout, 'Hello, World!\n', why(r));
    const bg = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    if (scheme === 'dark') assert.equal(bg, 'rgb(21, 24, 29)');
    else assert.equal(bg, 'rgb(246, 247, 249)');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${name}: the page scrolls sideways by ${overflow}px`);
    if (width > 800) {
      await page.screenshot({ path: join(SHOTS, name), fullPage: true });
    } else {
      // A phone shows one screen at a time, with the Run bar stuck to its bottom edge: shoot the first
      // screen, then the results scrolled into view (a full-page shot would pin the bar mid-page).
      await page.screenshot({ path: join(SHOTS, name) });
      await page.locator('#done').scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(SHOTS, name.replace('.png', '-results.png')) });
    }
    await page.close();
  }
});
