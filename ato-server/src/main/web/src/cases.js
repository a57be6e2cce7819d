// The test-cases panel: input and expected output per case, run as one request with `cases` (each case in a
// fresh container, one Done per case), each marked pass or fail; and the cases' section of the Code Golf post.
import { codeBlock } from './golf.js';

/** The cases as the panel holds them: [{ input, expected }]. */
export function readCases(container) {
  return [...container.querySelectorAll('.case')].map((c) => ({
    input: c.querySelector('.case-input').value,
    expected: c.querySelector('.case-expected').value,
  }));
}

/** Adds one case editor to the panel; returns it. */
export function addCase(container, { input = '', expected = '' } = {}) {
  const n = container.querySelectorAll('.case').length + 1;
  const box = document.createElement('fieldset');
  box.className = 'case';
  const legend = document.createElement('legend');
  legend.textContent = `Case ${n}`;
  const result = document.createElement('span');
  result.className = 'case-result';
  result.setAttribute('aria-live', 'polite');
  legend.append(' ', result);
  const field = (cls, label, value) => {
    const wrap = document.createElement('label');
    wrap.className = 'field';
    wrap.append(label);
    const t = document.createElement('textarea');
    t.className = cls;
    t.rows = 2;
    t.spellcheck = false;
    t.value = value;
    wrap.append(t);
    return wrap;
  };
  const remove = document.createElement('button');
  remove.type = 'button';
  remove.className = 'case-remove';
  remove.textContent = 'Remove';
  remove.addEventListener('click', () => {
    box.remove();
    container.querySelectorAll('.case legend').forEach((l, i) => { l.firstChild.textContent = `Case ${i + 1}`; });
  });
  const actual = document.createElement('pre');
  actual.className = 'case-actual pane';
  actual.hidden = true;
  box.append(legend, field('case-input', 'Input', input), field('case-expected', 'Expected output', expected),
    actual, remove);
  container.append(box);
  return box;
}

/** Whether an output matches the expected one (a missing final newline on either side is forgiven). */
export function passes(actual, expected) {
  const trim = (s) => s.replace(/\n$/, '');
  return trim(actual) === trim(expected);
}

/** Marks case `i` with its output: pass or fail, and what it printed when it failed. */
export function markCase(container, i, actual, done) {
  const box = container.querySelectorAll('.case')[i];
  if (!box) return false;
  const ok = passes(actual, box.querySelector('.case-expected').value) && done.status_type === 'exited'
    && !done.timed_out;
  box.dataset.result = ok ? 'pass' : 'fail';
  box.querySelector('.case-result').textContent = ok ? '✓ pass' : '✗ fail';
  const pre = box.querySelector('.case-actual');
  pre.hidden = ok;
  pre.textContent = ok ? '' : `Got:\n${actual}`;
  return ok;
}

/** Clears every mark before a new run. */
export function clearMarks(container) {
  for (const box of container.querySelectorAll('.case')) {
    delete box.dataset.result;
    box.querySelector('.case-result').textContent = '';
    box.querySelector('.case-actual').hidden = true;
  }
}

/** The Code Golf post's test-case section: each case's input and expected output as code blocks. */
export function casesSection(cases) {
  if (!cases.length) return '';
  const parts = ['## Test cases', ''];
  cases.forEach((c, i) => {
    parts.push(`Case ${i + 1}, input:`, '', codeBlock(c.input, ''), '', 'Expected output:', '',
      codeBlock(c.expected, ''), '');
  });
  return parts.join('\n');
}
