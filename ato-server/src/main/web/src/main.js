// The run page: wires the form to the language list, the runner, the permalink and the counters.
import { addCase, casesSection, clearMarks, markCase, readCases } from './cases.js';
import { byteCount, charCount } from './codepage.js';
import { doneRows } from './format.js';
import { chatPost, golfPost } from './golf.js';
import { fieldBytes, programBytes } from './encoding.js';
import { searchLanguages } from './search.js';
import { decodeState, permalink, savedValue } from './permalink.js';
import { Runner, RunError } from './runner.js';

const $ = (id) => document.getElementById(id);
const utf8 = new TextEncoder();
const TEXT_FIELDS = ['header', 'code', 'footer', 'input'];

const languages = new Map(); // id -> catalog entry, with its id
let languageId = '';
const runner = new Runner(wsUrl());

function wsUrl() {
  const url = new URL('api/v1/ws/execute', location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.hash = '';
  url.search = '?extensions=1'; // oom_killed and cgroup_max_mem in Done (ATO's own clients get ATO's fields only)
  return url.href;
}

/** "One per line": the empty box is no entries; every line, even an empty one, is an entry. */
function lines(text) {
  return text === '' ? [] : text.split('\n');
}

function readState() {
  return {
    language: languageId,
    header: $('header').value,
    code: $('code').value,
    footer: $('footer').value,
    input: $('input').value,
    arguments: lines($('arguments').value),
    options: lines($('options').value),
    timeout: Number($('timeout').value),
    encodings: Object.fromEntries(TEXT_FIELDS.map((f) => [f, $(`${f}-encoding`).value])),
  };
}

/** The code box's encoding when a language is chosen: its code page where it has one, as on ATO. */
function defaultCodeEncoding(id) {
  return languages.get(id)?.sbcs ? 'sbcs' : 'utf-8';
}

/** Header, code, footer and input are as tall as their text (never shorter than their rows). */
function grow(box) {
  box.style.height = 'auto';
  box.style.height = `${box.scrollHeight + box.offsetHeight - box.clientHeight}px`;
}

function writeState(s) {
  for (const f of TEXT_FIELDS) $(f).value = s[f];
  $('arguments').value = s.arguments.join('\n');
  $('options').value = s.options.join('\n');
  $('timeout').value = String(s.timeout);
  for (const f of TEXT_FIELDS) $(`${f}-encoding`).value = s.encodings[f] ?? defaultCodeEncoding(s.language);
  selectLanguage(s.language);
  for (const f of TEXT_FIELDS) grow($(f));
}

// ---- messages ------------------------------------------------------------------------------

let retryAction = null;

function showError(message, retry = null) {
  $('error-text').textContent = message;
  $('error').hidden = false;
  retryAction = retry;
  $('retry').hidden = !retry;
}

function clearError() {
  $('error').hidden = true;
  $('error-text').textContent = '';
  retryAction = null;
}

function notify(message) {
  $('notice').textContent = message;
}

async function copy(text, what) {
  $('copy-label').textContent = what;
  $('copy-text').value = text;
  $('copy-box').hidden = false;
  try {
    await navigator.clipboard.writeText(text);
    notify(`${what} copied to the clipboard.`);
  } catch {
    // No clipboard (an insecure origin, or permission refused): leave it selected for Ctrl+C.
    $('copy-text').focus();
    $('copy-text').select();
    notify(`${what} is below: the clipboard is not available here, copy it by hand.`);
  }
}

// ---- languages -----------------------------------------------------------------------------

function selectLanguage(id) {
  languageId = id;
  const lang = languages.get(id);
  const info = $('lang-info');
  info.replaceChildren();
  if (lang) {
    // Only web links become links: a catalog entry must not be able to plant a javascript: URL.
    let name = document.createTextNode(lang.name);
    if (/^https?:\/\//i.test(lang.url)) {
      name = document.createElement('a');
      name.href = lang.url;
      name.textContent = lang.name;
      name.rel = 'noopener noreferrer';
      name.target = '_blank';
    }
    info.append(name, ` version ${lang.version}`, lang.ready === false ? ' (not installed on this server yet)' : '');
    $('lang-search').value = lang.name;
    $('code').placeholder = lang.hello_world?.code ?? '';
    try {
      localStorage.setItem('ato.language', id);
    } catch {
      // Storage may be disabled; the choice then lasts for this page only.
    }
  } else if (id) {
    info.textContent = `Unknown language "${id}"`;
    $('lang-search').value = id;
  }
  updateCount();
}

function updateCount() {
  const lang = languages.get(languageId);
  const code = $('code').value;
  const { bytes, encoding, note } = byteCount(code, lang, $('code-encoding').value);
  const chars = charCount(code);
  $('code-count').textContent =
    `${bytes} ${bytes === 1 ? 'byte' : 'bytes'} (${encoding}${note ? `: ${note}` : ''}), ` +
    `${chars} ${chars === 1 ? 'char' : 'chars'}`;
}

// The searchable list follows WAI-ARIA's combobox pattern: focus stays in the text box and
// aria-activedescendant names the highlighted option, so screen readers and keys both work.
let matches = [];
let active = -1;

function renderList() {
  matches = searchLanguages([...languages.values()], $('lang-search').value);
  const list = $('lang-list');
  list.replaceChildren();
  matches.forEach((l, i) => {
    const li = document.createElement('li');
    li.id = `lang-opt-${i}`;
    li.role = 'option';
    li.dataset.id = l.id;
    li.setAttribute('aria-selected', String(i === active));
    const name = document.createElement('span');
    name.textContent = `${l.name} ${l.version}`;
    const id = document.createElement('span');
    id.className = 'id';
    id.textContent = l.id;
    li.append(name, id);
    list.append(li);
  });
  if (!matches.length) {
    const li = document.createElement('li');
    li.className = 'empty';
    li.textContent = 'No language matches';
    list.append(li);
  }
  const input = $('lang-search');
  if (active >= 0 && matches[active]) {
    input.setAttribute('aria-activedescendant', `lang-opt-${active}`);
    $(`lang-opt-${active}`).scrollIntoView({ block: 'nearest' });
  } else {
    input.removeAttribute('aria-activedescendant');
  }
}

function openList() {
  $('lang-list').hidden = false;
  $('lang-search').setAttribute('aria-expanded', 'true');
  renderList();
}

function closeList(restore) {
  $('lang-list').hidden = true;
  $('lang-search').setAttribute('aria-expanded', 'false');
  $('lang-search').removeAttribute('aria-activedescendant');
  active = -1;
  if (restore) $('lang-search').value = languages.get(languageId)?.name ?? languageId;
}

function pick(id) {
  closeList(false);
  clearError();
  $('code-encoding').value = defaultCodeEncoding(id);
  selectLanguage(id);
}

function wireCombobox() {
  const input = $('lang-search');
  input.addEventListener('focus', () => input.select());
  input.addEventListener('input', () => {
    active = 0;
    openList();
  });
  input.addEventListener('keydown', (e) => {
    const open = !$('lang-list').hidden;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (!open) {
        active = Math.max(0, matches.findIndex((l) => l.id === languageId));
        openList();
        return;
      }
      const n = matches.length;
      if (n) active = (active + (e.key === 'ArrowDown' ? 1 : n - 1)) % n;
      renderList();
    } else if (e.key === 'Enter' && open && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      if (matches[active]) pick(matches[active].id);
    } else if (e.key === 'Escape' && open) {
      e.preventDefault();
      closeList(true);
    }
  });
  input.addEventListener('blur', () => closeList(true));
  // mousedown, not click: a click would blur the text box and close the list first.
  $('lang-list').addEventListener('mousedown', (e) => {
    e.preventDefault();
    const li = e.target.closest('li[data-id]');
    if (li) pick(li.dataset.id);
  });
}

// A request that hangs (a proxy holding a dead connection, say) must not leave the page dead: each
// try gets a time limit, and a failed try is repeated before the page gives up and says so.
async function fetchLanguages(tries = 3, limitMs = 10_000) {
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch('api/v1/languages', {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(limitMs),
      });
      if (!res.ok) throw new Error(`the server answered ${res.status} ${res.statusText}`);
      return await res.json();
    } catch (err) {
      if (attempt >= tries) {
        throw err.name === 'TimeoutError' ? new Error(`no answer within ${limitMs / 1000} s`) : err;
      }
    }
  }
}

async function loadLanguages() {
  const json = await fetchLanguages();
  languages.clear();
  for (const [id, entry] of Object.entries(json)) languages.set(id, { ...entry, id });
  $('lang-search').placeholder = 'Search languages…';
}

// ---- running -------------------------------------------------------------------------------

function outputSink(pane) {
  const node = document.createTextNode('');
  pane.replaceChildren(node);
  // One decoder per stream, in streaming mode: a UTF-8 sequence may be split across chunks.
  const decoder = new TextDecoder('utf-8');
  return {
    write(bytes) {
      // Follow the output as it grows, unless the reader has scrolled up to look at something.
      const atEnd = pane.scrollTop + pane.clientHeight >= pane.scrollHeight - 4;
      node.appendData(decoder.decode(bytes, { stream: true }));
      if (atEnd) pane.scrollTop = pane.scrollHeight;
    },
    end() {
      node.appendData(decoder.decode());
    },
  };
}

function renderDone(done) {
  const dl = $('done');
  dl.replaceChildren();
  for (const [label, text] of doneRows(done)) {
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    dd.textContent = text;
    dl.append(dt, dd);
  }
}

async function saveToUrl() {
  const link = await permalink(readState(), location.href);
  history.replaceState(null, '', link);
  return link;
}

let runInProgress = false;

async function run(withCases = false) {
  // Set before any await: Ctrl+Enter pressed twice must not start two runs.
  if (runInProgress) return;
  runInProgress = true;
  try {
    await runOnce(withCases === true);
  } finally {
    runInProgress = false;
  }
}

/** The interactive input line: shown while an interactive run goes; Enter sends the line, EOF closes stdin. */
function showStdin(on) {
  $('stdin-form').hidden = !on;
  $('stdin-line').disabled = !on;
  $('stdin-eof').disabled = !on;
  if (on) $('stdin-line').focus();
}

function sendLine(e) {
  e.preventDefault();
  runner.sendStdin(utf8.encode(`${$('stdin-line').value}\n`));
  $('stdin-line').value = '';
}

function sendEof() {
  runner.sendEof();
  $('stdin-line').disabled = true;
  $('stdin-eof').disabled = true;
}

async function runOnce(withCases) {
  clearError();
  const s = readState();
  if (!s.language) {
    showError('Pick a language first.');
    return;
  }
  if (!Number.isInteger(s.timeout) || s.timeout < 1 || s.timeout > 60) {
    showError('The timeout must be a whole number of seconds from 1 to 60.');
    $('timeout').focus();
    return;
  }
  let code;
  let input;
  try {
    code = programBytes(s);
  } catch (err) {
    showError(`The header, code or footer is not valid base64: ${err.message}.`);
    return;
  }
  try {
    input = fieldBytes(s.input, s.encodings.input);
  } catch (err) {
    showError(`The input is not valid base64: ${err.message}.`);
    return;
  }
  await saveToUrl();
  const request = {
    language: s.language,
    code,
    input,
    arguments: s.arguments.map((a) => utf8.encode(a)),
    options: s.options.map((o) => utf8.encode(o)),
    timeout: s.timeout,
  };
  // Beyond ATO: a batch of the panel's cases (each in a fresh container), or an interactive run.
  const cases = withCases ? readCases($('cases')) : [];
  if (withCases && !cases.length) {
    showError('Add a test case first.');
    return;
  }
  if (cases.length) request.cases = cases.map((c) => ({ input: utf8.encode(c.input), arguments: request.arguments }));
  const interactive = !cases.length && $('interactive').checked;
  if (interactive) request.interactive = true;
  clearMarks($('cases'));
  $('cases-summary').textContent = '';
  let caseOut = new TextDecoder('utf-8');
  let caseText = '';
  let passed = 0;
  const onDone = (d) => {
    if (!cases.length) return;
    caseText += caseOut.decode();
    if (markCase($('cases'), d.case, caseText, d)) passed++;
    caseText = '';
    caseOut = new TextDecoder('utf-8');
  };
  const stdout = outputSink($('stdout'));
  const stderr = outputSink($('stderr'));
  $('done').replaceChildren();
  $('run').disabled = true;
  $('kill').disabled = false;
  $('run-state').textContent = '(running…)';
  document.body.dataset.state = 'running';
  showStdin(interactive);
  try {
    const done = await runner.run(request, {
      stdout: (b) => {
        stdout.write(b);
        if (cases.length) caseText += caseOut.decode(b, { stream: true });
      },
      stderr: (b) => stderr.write(b),
      done: onDone,
    });
    if (cases.length) $('cases-summary').textContent = `${passed} of ${cases.length} passed`;
    stdout.end();
    stderr.end();
    renderDone(done);
    $('run-state').textContent = done.timed_out ? '(timed out)' : '';
  } catch (err) {
    stdout.end();
    stderr.end();
    $('run-state').textContent = '(failed)';
    const again = () => run(withCases);
    if (err instanceof RunError) showError(err.message, err.retry ? again : null);
    else showError(`The run failed: ${err.message}`, again);
  } finally {
    showStdin(false);
    $('run').disabled = false;
    $('kill').disabled = true;
    document.body.dataset.state = 'idle';
    // Lets tests and assistive tooling tell one finished run from the next.
    document.body.dataset.runs = String(Number(document.body.dataset.runs ?? 0) + 1);
  }
}

function kill() {
  runner.kill();
  $('run-state').textContent = '(killing…)';
}

async function share() {
  copy(await saveToUrl(), 'Permalink');
}

async function copyGolf() {
  const lang = languages.get(languageId);
  if (!lang) {
    showError(`Unknown language "${languageId}": a Code Golf answer needs a language from the list.`);
    return;
  }
  const code = $('code').value;
  const { bytes, encoding } = byteCount(code, lang);
  const link = await saveToUrl();
  const post = golfPost({ name: lang.name, url: lang.url, seClass: lang.se_class, code, bytes, encoding, link });
  const cases = $('golf-cases').checked ? readCases($('cases')) : [];
  copy(cases.length ? `${post}\n${casesSection(cases)}` : post, 'Code Golf answer');
}

async function copyChat() {
  const lang = languages.get(languageId);
  if (!lang) {
    showError(`Unknown language "${languageId}": a chat message needs a language from the list.`);
    return;
  }
  const code = $('code').value;
  const { bytes } = byteCount(code, lang, $('code-encoding').value);
  copy(chatPost({ name: lang.name, code, bytes, link: await saveToUrl() }), 'Chat message');
}

// ---- start-up ------------------------------------------------------------------------------

async function restoreFromUrl() {
  const saved = savedValue(new URL(location.href));
  if (saved === null) return false;
  let problems = [];
  if (saved.value === null) {
    // ATO's ?L=id alone: that language, nothing else.
    $('code-encoding').value = defaultCodeEncoding(saved.language);
    selectLanguage(saved.language);
  } else {
    try {
      const decoded = await decodeState(saved.value, saved.schema);
      if (saved.language !== null) decoded.state.language = saved.language;
      writeState(decoded.state);
      problems = decoded.problems;
    } catch (err) {
      showError(`This permalink cannot be opened: ${err.message.replace(/\.$/, '')}.`);
      return false;
    }
  }
  if (!languages.has(languageId)) {
    showError(`Unknown language "${languageId}": this server does not have it. Pick another from the list.`);
  } else if (problems.length) {
    showError(`This permalink opened, but ${problems.join('; ')}.`);
  }
  return true;
}

function defaultLanguage() {
  let stored = null;
  try {
    stored = localStorage.getItem('ato.language');
  } catch {
    // no storage: fall through to the defaults
  }
  if (stored && languages.has(stored)) return stored;
  if (languages.has('python')) return 'python';
  return languages.keys().next().value ?? '';
}

async function start() {
  wireCombobox();
  $('run-form').addEventListener('submit', (e) => {
    e.preventDefault();
    run();
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      run();
    }
  });
  $('kill').addEventListener('click', kill);
  $('share').addEventListener('click', share);
  $('golf').addEventListener('click', copyGolf);
  $('chat').addEventListener('click', copyChat);
  for (const f of TEXT_FIELDS) {
    $(f).addEventListener('input', () => grow($(f)));
    $(`${f}-encoding`).addEventListener('change', updateCount);
  }
  $('retry').addEventListener('click', () => retryAction?.());
  $('stdin-form').addEventListener('submit', sendLine);
  $('stdin-eof').addEventListener('click', sendEof);
  $('add-case').addEventListener('click', () => addCase($('cases')).querySelector('textarea').focus());
  $('run-cases').addEventListener('click', () => run(true));
  $('code').addEventListener('input', updateCount);
  window.addEventListener('hashchange', restoreFromUrl);

  try {
    await loadLanguages();
  } catch (err) {
    showError(`Could not load the language list: ${err.message.replace(/\.$/, '')}.`, () => location.reload());
  }
  if (!(await restoreFromUrl())) {
    const id = defaultLanguage();
    $('code-encoding').value = defaultCodeEncoding(id);
    selectLanguage(id);
  }
  for (const f of TEXT_FIELDS) grow($(f));
  document.body.dataset.ready = 'true';
}

start();
