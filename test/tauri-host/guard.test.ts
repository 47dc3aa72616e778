// judge(): the facts of one request in, a verdict out. The HTTP tests (access.test.ts) and the browser attack
// (cross-origin.browser.test.ts) show the same rules on real requests.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostName, isLoopback, judge, newToken, type RequestFacts, type Route } from '../../src/tauri-host/guard.js';

const token = newToken();
const access = { token, names: [] };
/** What the host's own page at http://127.0.0.1:4000 sends with an invoke. */
const own: RequestFacts = { host: '127.0.0.1:4000', origin: 'http://127.0.0.1:4000', fetchSite: 'same-origin', token, localAddress: '127.0.0.1', localPort: 4000 };
const verdict = (change: Partial<RequestFacts>, route: Route = 'api', names: string[] = []) => {
  const result = judge({ ...own, ...change }, { ...access, names }, route);
  return result.verdict === 'allow' ? 'allow' : result.reason;
};

test('the page the host served: allowed, under each loopback name and the address the connection came in on', () => {
  assert.equal(verdict({}), 'allow');
  assert.equal(verdict({ origin: undefined, fetchSite: undefined }), 'allow', 'a same-origin GET (the event stream) sends no Origin');
  assert.equal(verdict({ host: 'localhost:4000', origin: 'http://localhost:4000' }), 'allow');
  assert.equal(verdict({ host: '[::1]:4000', origin: 'http://[::1]:4000', localAddress: '::1' }), 'allow');
  assert.equal(verdict({ host: '192.168.7.9:4000', origin: 'http://192.168.7.9:4000', localAddress: '::ffff:192.168.7.9' }), 'allow', 'listening on a wildcard, reached by IP');
  assert.equal(verdict({ host: 'devbox.lan:4000', origin: 'https://devbox.lan:4000' }, 'api', ['devbox.lan']), 'allow', 'the configured listen name');
  assert.equal(verdict({ host: 'LOCALHOST:4000', origin: 'http://localhost:4000' }), 'allow', 'names are case-insensitive');
});

test('Host: a DNS-rebinding name, another port, a wildcard or no Host at all is refused, for every route', () => {
  for (const route of ['page', 'script', 'api'] as const) {
    assert.match(verdict({ host: 'attacker.example:4000', origin: 'http://attacker.example:4000' }, route), /Host "attacker\.example:4000" is not a name of this server/);
    assert.match(verdict({ host: '127.0.0.1:4001', origin: 'http://127.0.0.1:4001' }, route), /another port/);
    assert.match(verdict({ host: '127.0.0.1' }, route), /another port/);
    assert.match(verdict({ host: '0.0.0.0:4000', localAddress: '0.0.0.0' }, route, ['0.0.0.0']), /not a name/);
    assert.match(verdict({ host: undefined }, route), /bad Host header null/);
    assert.match(verdict({ host: 'localhost:4000/x' }, route), /bad Host header/);
  }
  assert.equal(verdict({ host: 'localhost', origin: undefined, localPort: 80 }, 'page'), 'allow', 'no port: 80');
});

test('Origin and Sec-Fetch-Site: only the served origin; another port of localhost is same-site, not ours', () => {
  assert.match(verdict({ origin: 'http://127.0.0.1:5555', fetchSite: 'same-site' }), /Origin http:\/\/127\.0\.0\.1:5555 is not the page this host serves/);
  assert.match(verdict({ origin: 'https://evil.example' }), /Origin https:\/\/evil\.example/);
  assert.match(verdict({ origin: 'null' }), /Origin null/, 'a sandboxed frame or a file:// page');
  assert.match(verdict({ origin: undefined, fetchSite: 'cross-site' }), /Sec-Fetch-Site: cross-site/);
  assert.match(verdict({ origin: undefined, fetchSite: 'same-site' }), /Sec-Fetch-Site: same-site/);
  assert.match(verdict({ origin: undefined, fetchSite: 'none' }), /Sec-Fetch-Site: none/);
  assert.match(verdict({ origin: undefined, fetchSite: 'cross-site' }, 'script'), /Sec-Fetch-Site: cross-site/, 'bridge.js is for the own page only');
  assert.equal(verdict({ origin: 'http://127.0.0.1:5555', fetchSite: 'cross-site', token: undefined }, 'page'), 'allow', 'a page: only the Host counts (a link from elsewhere opens the app)');
});

test('the token: required for the API, compared whole; bridge.js and pages need none', () => {
  assert.match(verdict({ token: undefined }), /no pidkeep-tauri-token header/);
  assert.match(verdict({ token: '' }), /no pidkeep-tauri-token header/);
  assert.match(verdict({ token: newToken() }), /wrong pidkeep-tauri-token/);
  assert.match(verdict({ token: token.slice(1) }), /wrong pidkeep-tauri-token/);
  assert.match(verdict({ token: `${token}x` }), /wrong pidkeep-tauri-token/);
  assert.equal(verdict({ token: undefined }, 'script'), 'allow');
  assert.equal(verdict({ token: undefined }, 'page'), 'allow');
  assert.notEqual(newToken(), newToken());
  assert.match(token, /^[A-Za-z0-9_-]{43}$/, '256 bits, base64url');
});

test('hostName() and isLoopback()', () => {
  assert.deepEqual(['::1', '[::1]', '::ffff:10.0.0.2', 'LocalHost', 'fe80::1'].map(hostName), ['[::1]', '[::1]', '10.0.0.2', 'localhost', '[fe80::1]']);
  assert.deepEqual(['127.0.0.1', '127.1.2.3', 'localhost', '::1', '0.0.0.0', '192.168.1.2', '::'].map(isLoopback), [true, true, true, true, false, false, false]);
});
