// Browser tests of the page's extensions beyond ATO (issue 15): interactive mode (an input line sent on Enter,
// an EOF button) and the test-cases panel (input and expected output per case, pass/fail marks, the cases in
// the Code Golf post). Debian's chromium driven by playwright-core against the server whose base URL is argv[2].
// Started by ExtensionsBrowserTest (JUnit).
//   node extensions.test.mjs http://127.0.0.1:8500/ [screenshot dir]
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium } from './chromium.mjs';

const BASE = process.argv[2];
const SHOTS = process.argv[3] ?? join(tmpdir(), 'ato-web-shots');
const WAIT = 30_000;
if (!BASE) throw new Error('usage: node extensions.test.mjs <server base url> [screenshot dir]');

let browser;
let context;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium(BASE, { width: 1280, height: 1000 });
  context = browser.context;
});

after(async () => {
  await browser?.close();
});

/** A fresh tab with bash chosen, once the page has started; page errors fail the test at the end. */
async function openBash() {
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  page.jsErrors = [];
  page.on('pageerror', (e) => page.jsErrors.push(e));
  await page.goto(BASE);
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
  await page.fill('#lang-search', 'bash');
  await page.click('#lang-list li[data-id="bash"]');
  return page;
}

function runsDone(page) {
  return page.evaluate(() => Number(document.body.dataset.runs ?? 0));
}

async function untilRunEnds(page, before) {
  await page.waitForFunction((n) => Number(document.body.dataset.runs ?? 0) > n, before);
}

test('interactive mode: a line typed while the program runs is sent on Enter, and EOF ends its input', async () => {
  const page = await openBash();
  await page.fill('#code', 'echo ready; while read -r l; do echo "got $l"; done; echo end');
  await page.check('#interactive');
  const before = await runsDone(page);
  await page.click('#run');
  await page.waitForSelector('#stdin-form:not([hidden])');
  await page.waitForFunction(() => document.getElementById('stdout').textContent.includes('ready'));
  await page.fill('#stdin-line', 'hello there');
  await page.press('#stdin-line', 'Enter');
  await page.waitForFunction(() => document.getElementById('stdout').textContent.includes('got hello there'));
  assert.equal(await page.inputValue('#stdin-line'), '', 'the line is cleared once sent');
  await page.fill('#stdin-line', 'second');
  await page.press('#stdin-line', 'Enter');
  await page.waitForFunction(() => document.getElementById('stdout').textContent.includes('got second'));
  assert.equal(await page.textContent('#run-state'), '(running…)', 'the program still runs, waiting for input');
  await page.screenshot({ path: join(SHOTS, 'interactive.png') });
  await page.click('#stdin-eof');
  await untilRunEnds(page, before);
  assert.equal(await page.textContent('#stdout'), 'ready\ngot hello there\ngot second\nend\n');
  assert.equal(await page.isHidden('#stdin-form'), true, 'the input line goes away with the run');
  assert.deepEqual(page.jsErrors, []);
  await page.close();
});

test('interactive mode: Kill still ends a program waiting for input', async () => {
  const page = await openBash();
  await page.fill('#code', 'echo waiting; read -r x; echo never');
  await page.check('#interactive');
  const before = await runsDone(page);
  await page.click('#run');
  await page.waitForFunction(() => document.getElementById('stdout').textContent.includes('waiting'));
  await page.click('#kill');
  await untilRunEnds(page, before);
  assert.equal(await page.textContent('#stdout'), 'waiting\n');
  await page.close();
});

test('test cases: each case runs with its input, is marked pass or fail, and the Code Golf post includes them', async () => {
  const page = await openBash();
  await page.fill('#code', 'read -r x; echo $((x * 2))');
  await page.click('#cases-panel summary');
  await page.click('#add-case');
  await page.click('#add-case');
  await page.click('#add-case');
  const cases = page.locator('#cases .case');
  await cases.nth(0).locator('.case-input').fill('2');
  await cases.nth(0).locator('.case-expected').fill('4');
  await cases.nth(1).locator('.case-input').fill('21');
  await cases.nth(1).locator('.case-expected').fill('42\n');
  await cases.nth(2).locator('.case-input').fill('3');
  await cases.nth(2).locator('.case-expected').fill('7');
  const before = await runsDone(page);
  await page.click('#run-cases');
  await untilRunEnds(page, before);
  const marks = await page.$$eval('#cases .case', (boxes) => boxes.map((b) => b.dataset.result));
  assert.deepEqual(marks, ['pass', 'pass', 'fail']);
  assert.equal(await page.textContent('#cases-summary'), '2 of 3 passed');
  assert.match(await cases.nth(2).locator('.case-actual').textContent(), /Got:\n6/);
  assert.equal(await page.textContent('#stdout'), '4\n42\n6\n', 'every case streams into the output pane');
  await page.screenshot({ path: join(SHOTS, 'test-cases.png'), fullPage: true });

  await page.click('#golf');
  await page.waitForSelector('#copy-box:not([hidden])');
  const post = await page.inputValue('#copy-text');
  assert.match(post, /^# \[Bash\], \d+ bytes/);
  assert.match(post, /## Test cases\n\nCase 1, input:\n\n```\n2\n```\n\nExpected output:\n\n```\n4\n```/);
  assert.match(post, /Case 3, input:\n\n```\n3\n```/);
  await page.uncheck('#golf-cases');
  await page.click('#golf');
  // The post is rewritten once the permalink is saved (asynchronously).
  await page.waitForFunction(() => !document.getElementById('copy-text').value.includes('Test cases'));
  assert.match(await page.inputValue('#copy-text'), /^# \[Bash\]/);
  assert.deepEqual(page.jsErrors, []);
  await page.close();
});
