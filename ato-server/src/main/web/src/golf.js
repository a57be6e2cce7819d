// "Copy as a Code Golf answer": the Markdown post code golfers paste on Code Golf Stack Exchange.

/**
 * A fenced code block that survives any code: the fence is one backtick longer than the longest
 * run of backticks in the code (CommonMark 4.5), and the info string is the Stack Exchange class.
 */
export function codeBlock(code, seClass) {
  let longest = 0;
  for (const run of code.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const fence = '`'.repeat(Math.max(3, longest + 1));
  const info = seClass ? seClass.replace(/^lang-/, '') : '';
  return `${fence}${info}\n${code}\n${fence}`;
}

/**
 * The whole post: a title "# [Name], N bytes" whose language name is a reference link to the
 * language's home page, the code, and a link back to the run (the permalink).
 */
export function golfPost({ name, url, seClass, code, bytes, encoding, link }) {
  const unit = bytes === 1 ? 'byte' : 'bytes';
  const sbcs = encoding && encoding !== 'UTF-8' ? ` (${encoding})` : '';
  const label = name.replace(/([\\\[\]])/g, '\\$1');
  return [
    `# [${label}], ${bytes} ${unit}${sbcs}`,
    '',
    codeBlock(code, seClass),
    '',
    `[Attempt This Online!](${link})`,
    '',
    `[${label}]: ${url}`,
    '',
  ].join('\n');
}

/**
 * The one-line chat message ("CMC" on Code Golf's chat), in ATO's format:
 * `Name, N bytes: [`code`](permalink)`.
 */
export function chatPost({ name, code, bytes, link }) {
  return `${name}, ${bytes} ${bytes === 1 ? 'byte' : 'bytes'}: [\`${code}\`](${link})`;
}
