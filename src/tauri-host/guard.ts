// Who may use the bridge. The host is a door on localhost: any page open in the developer's browser can send it
// requests (a text/plain POST needs no CORS preflight), and a DNS-rebinding page even gets a same-origin view of it
// under its own name. So a bridge request must come from the page this host served, at the address it listens on:
//   Host            one of this server's names, with the port the connection came in on: a rebinding page sends its
//                   own name, which is what gives it away
//   Origin          when sent, exactly this origin: browsers send it with every POST and every cross-origin fetch
//   Sec-Fetch-Site  when sent, `same-origin`: another port of localhost is `same-site`, and not this page
//   token           a secret made per host run and put into the HTML the host serves (never into a script, which any
//                   site can load with <script src>), sent back in a custom header; a cross-origin request cannot
//                   carry a custom header without a CORS preflight, and the bridge answers no preflight
// judge() is pure: the facts of one request in, a verdict out.
import { randomBytes, timingSafeEqual } from 'node:crypto';

/** The header the page's bridge sends the token in (lower case, as Node gives request headers). */
export const TOKEN_HEADER = 'pidkeep-tauri-token';

/** 256 random bits, base64url: safe in an HTML attribute and in a header. */
export const newToken = (): string => randomBytes(32).toString('base64url');

/**
 * `page`: a file the host serves (Host checked: a rebinding name gets no page and so no token).
 * `script`: bridge.js (also same-origin only; it holds no secret). `api`: invoke and events (everything, token too).
 */
export type Route = 'page' | 'script' | 'api';

export interface RequestFacts {
  host: string | undefined;
  origin: string | undefined;
  fetchSite: string | undefined;
  token: string | undefined;
  /** The address and port of this server that the connection came in on. */
  localAddress: string | undefined;
  localPort: number | undefined;
}

export interface Access {
  token: string;
  /** Names besides localhost, 127.0.0.1, [::1] and the address the connection came in on: the configured listen host. */
  names: readonly string[];
}

export type Verdict = { verdict: 'allow' } | { verdict: 'refuse'; reason: string };

const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];
const WILDCARD = new Set(['', '0.0.0.0', '[::]']);
const HOST = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/i;
const allow: Verdict = { verdict: 'allow' };
const refuse = (reason: string): Verdict => ({ verdict: 'refuse', reason });

/** An address or name as a Host header spells it: lower case, IPv6 in brackets, IPv4-mapped IPv6 as IPv4. */
export function hostName(address: string): string {
  const plain = address.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  return plain.includes(':') ? `[${plain}]` : plain;
}

/** True for the addresses that keep the bridge on this machine. */
export const isLoopback = (address: string): boolean => /^(localhost|127(\.\d+){3}|\[::1\])$/.test(hostName(address));

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function judge(facts: RequestFacts, access: Access, route: Route): Verdict {
  const host = HOST.exec(facts.host ?? '');
  if (!host) return refuse(`bad Host header ${JSON.stringify(facts.host ?? null)}`);
  const names = new Set([...LOOPBACK, ...access.names.map(hostName)]);
  if (facts.localAddress) names.add(hostName(facts.localAddress));
  for (const wildcard of WILDCARD) names.delete(wildcard);
  if (!names.has(hostName(host[1]!))) return refuse(`Host ${JSON.stringify(facts.host)} is not a name of this server (a DNS-rebinding page?)`);
  const port = host[2] === undefined ? undefined : Number(host[2]);
  if (port === undefined ? facts.localPort !== 80 && facts.localPort !== 443 : port !== facts.localPort) {
    return refuse(`Host ${JSON.stringify(facts.host)} names another port than this server's ${String(facts.localPort)}`);
  }
  if (route === 'page') return allow;
  const own = facts.host!.toLowerCase();
  if (facts.origin !== undefined && facts.origin !== `http://${own}` && facts.origin !== `https://${own}`) {
    return refuse(`Origin ${facts.origin} is not the page this host serves`);
  }
  if (facts.fetchSite !== undefined && facts.fetchSite !== 'same-origin') return refuse(`Sec-Fetch-Site: ${facts.fetchSite}: only the host's own page may use the bridge`);
  if (route === 'script') return allow;
  if (!facts.token) return refuse(`no ${TOKEN_HEADER} header: only the page this host serves has the token`);
  if (!sameSecret(facts.token, access.token)) return refuse(`wrong ${TOKEN_HEADER}: a page of an earlier host run? Reload it`);
  return allow;
}
