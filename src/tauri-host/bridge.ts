// Assembles the page's bridge script from the compiled internals.js and client.js, as one classic script.
import { readFileSync } from 'node:fs';
import { TauriHostError } from './errors.js';

// From dist/ these files sit next to this one; run from src/ (tests through tsx) they come from dist/.
const candidates = (name: string) => [new URL(`./${name}`, import.meta.url), new URL(`../../dist/tauri-host/${name}`, import.meta.url)];

function compiled(name: string): string {
  for (const url of candidates(name)) {
    try {
      return readFileSync(url, 'utf8');
    } catch {
      // next candidate
    }
  }
  throw new TauriHostError('BRIDGE_MISSING', `the browser bridge ${name} is missing: run \`npm run build\` first`);
}

/** Module syntax off: a classic script runs before the page's modules and defines no globals but its own. */
const asScript = (code: string) =>
  code
    .replace(/^export \{[^}]*\};?\s*$/gm, '')
    .replace(/^import .*$/gm, '')
    .replace(/^export (?=(async )?function |const |class )/gm, '')
    .replace(/^\/\/# sourceMappingURL=.*$/gm, '');

/** The script served at /__pidkeep_tauri/bridge.js (read fresh each time, so a rebuild needs no restart). */
export function bridgeScript(): string {
  return `(function () {\n${asScript(compiled('internals.js'))}\n${asScript(compiled('client.js'))}\n})();\n`;
}

export const BRIDGE_PATH = '/__pidkeep_tauri/bridge.js';

/**
 * The bridge <script>, with this host run's token as an attribute: the token lives in the served HTML, which only
 * the page's own origin can read, not in bridge.js, which any site can run with <script src>.
 */
export const bridgeAttributes = (token: string) => ({ src: BRIDGE_PATH, 'data-pidkeep-token': token });

/** Puts the bridge <script> first in <head>, so __TAURI_INTERNALS__ exists before anything else runs. */
export function injectBridge(html: string, token: string): string {
  const tag = `<script ${Object.entries(bridgeAttributes(token)).map(([name, value]) => `${name}="${value}"`).join(' ')}></script>`;
  const head = /<head[^>]*>/i.exec(html);
  return head ? html.replace(head[0], `${head[0]}\n    ${tag}`) : `${tag}\n${html}`;
}
