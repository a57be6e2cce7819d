// Bundles src/ into ato-server's target/generated-resources/web/ (Maven adds it to the classpath as "web", served
// at "/"). Nothing generated is committed; the output is reproducible: same sources, same bytes. A file is rewritten only when its
// bytes change, so repeated builds leave timestamps alone and concurrent builds never see a half-empty dir.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', '..', '..', 'target', 'generated-resources', 'web');

async function bundle(entry, name, options) {
  const result = await build({
    entryPoints: [join(here, 'src', entry)],
    outfile: join(out, name),
    bundle: true,
    minify: true,
    write: false,
    logLevel: 'warning',
    ...options,
  });
  return [name, result.outputFiles[0].contents];
}

const files = new Map([
  await bundle('main.js', 'app.js', {
    format: 'esm',
    target: ['es2022'],
    legalComments: 'eof', // keeps @msgpack/msgpack's licence notice with its code
  }),
  await bundle('style.css', 'style.css', {}),
  ['index.html', readFileSync(join(here, 'src', 'index.html'))],
]);

mkdirSync(out, { recursive: true });
const changed = [];
for (const [name, bytes] of files) {
  const target = join(out, name);
  if (existsSync(target) && Buffer.compare(readFileSync(target), Buffer.from(bytes)) === 0) continue;
  // Write beside, then rename: a reader sees the old file or the new one, never a partial one.
  writeFileSync(`${target}.tmp`, bytes);
  renameSync(`${target}.tmp`, target);
  changed.push(name);
}
for (const name of readdirSync(out)) {
  if (!files.has(name)) rmSync(join(out, name), { force: true });
}
console.log(`web: ${changed.length ? `wrote ${changed.join(', ')}` : 'bundle up to date'} in ${out}`);
