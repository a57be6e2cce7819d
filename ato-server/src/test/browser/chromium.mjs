// Debian's chromium for the browser tests, driven by playwright-core: one persistent context in a throwaway
// profile, with clipboard access for the server's origin. Shared by run-page.test.mjs and extensions.test.mjs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.ATO_CHROMIUM ?? '/usr/bin/chromium';

/** Starts chromium for pages of `base`; `close()` ends it and removes its profile. */
export async function launchChromium(base, viewport = { width: 1280, height: 900 }) {
  const profile = mkdtempSync(join(tmpdir(), 'ato-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
    viewport,
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(base).origin });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
