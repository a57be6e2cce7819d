// Bundles src/ into ../resources/web/ (served by ato-server from classpath "web" at "/").
// The output is committed and reproducible: same sources, same bytes.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'resources', 'web');

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(here, 'src', 'main.js')],
  outfile: join(out, 'app.js'),
  bundle: true,
  format: 'esm',
  target: ['es2022'],
  minify: true,
  legalComments: 'eof', // keeps @msgpack/msgpack's licence notice with its code
  logLevel: 'warning',
});
await build({
  entryPoints: [join(here, 'src', 'style.css')],
  outfile: join(out, 'style.css'),
  bundle: true,
  minify: true,
  logLevel: 'warning',
});
copyFileSync(join(here, 'src', 'index.html'), join(out, 'index.html'));
console.log(`web: built ${readdirSync(out).sort().join(', ')} into ${out}`);
