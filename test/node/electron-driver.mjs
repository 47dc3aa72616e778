// Runs examples/electron/pidkeep-main.mjs in plain Node, as Electron's main process would, for
// electron-recipe.test.ts: Electron itself cannot be installed here. Its `app` stand-in does, for the parts the
// recipe uses, what Electron's docs/api/app.md (and its Browser::Quit) say `app` does:
// - requestSingleInstanceLock(): a kernel lock on USER_DATA/SingletonLock, released when this process dies (as
//   Chromium's singleton is). A second instance hands its argv, cwd and additionalData to the first over a Unix
//   socket before it returns false (a child process sends them, so the call stays synchronous, as in Electron);
//   the first emits `second-instance` once `ready` has been emitted.
// - quit(): emits `before-quit`; prevented, the quit is cancelled. Otherwise (there are no windows to close)
//   `will-quit`; prevented, cancelled; otherwise `quit`, and the process exits 0 after the current task. A quit()
//   while one is past `before-quit` does nothing (Electron's is_quitting_).
// - exit(code): exits at once, without any event.
// - getPath('userData'): USER_DATA (created, as Chromium creates its user data dir); any other name throws.
// Usage: electron-driver.mjs USER_DATA POLICY RECORDER_JSON [ARG...]
// Prints a line per step (`event before-quit prevented`, `second-instance {...}`, `focused`, `recovery [...]`,
// `ready`, `second instance: quitting`, ...) and takes commands on stdin, one a line: start, stop, quit, exit.
import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdirSync, openSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { tryLock } from 'fs-native-extensions';
import { setUpPidkeep } from '../../examples/electron/pidkeep-main.mjs';

// Run by a second instance in a child process: sends what it was given on stdin to the socket, waits for the ack.
const NOTIFY = `
const { connect } = require('node:net');
const [path, deadline] = [process.argv[1], Date.now() + 5000];
let input = '';
process.stdin.setEncoding('utf8').on('data', (c) => (input += c)).on('end', function send() {
  const socket = connect(path);
  socket.once('connect', () => socket.end(input));
  socket.setEncoding('utf8').on('data', (ack) => ack === 'ACK' && process.exit(0));
  socket.once('error', () => (Date.now() < deadline ? setTimeout(send, 20) : process.exit(1)));
});`;

class AppStandIn extends EventEmitter {
  #userData;
  #argv;
  #lock;
  #quitting = false;
  #ready;

  constructor(userData, argv) {
    super();
    mkdirSync(userData, { recursive: true });
    this.#userData = userData;
    this.#argv = argv;
    this.#ready = new Promise((resolve) => setImmediate(() => (this.emit('ready', { preventDefault() {} }, {}), resolve())));
  }

  whenReady() {
    return this.#ready;
  }

  getPath(name) {
    if (name === 'userData') return this.#userData;
    throw new Error(`Failed to get '${name}' path (the stand-in knows userData only)`);
  }

  requestSingleInstanceLock(additionalData = {}) {
    if (this.#lock !== undefined) return true;
    const fd = openSync(join(this.#userData, 'SingletonLock'), 'a');
    const socketPath = join(this.#userData, 'SingletonSocket');
    if (!tryLock(fd)) {
      const message = JSON.stringify({ argv: this.#argv, cwd: process.cwd(), additionalData });
      const sent = spawnSync(process.execPath, ['-e', NOTIFY, socketPath], { input: message, timeout: 10_000 });
      if (sent.status !== 0) console.error(`could not reach the first instance (${sent.status ?? sent.signal})`);
      return false;
    }
    this.#lock = fd;
    rmSync(socketPath, { force: true }); // a crashed holder's: the lock is ours now
    const server = createServer((socket) => {
      let text = '';
      socket.setEncoding('utf8').on('data', (chunk) => (text += chunk));
      socket.on('end', () => {
        socket.end('ACK');
        const { argv, cwd, additionalData: data } = JSON.parse(text);
        void this.#ready.then(() => this.emit('second-instance', { preventDefault() {} }, argv, cwd, data));
      });
    });
    server.listen(socketPath);
    server.unref();
    return true;
  }

  quit() {
    if (this.#quitting) return;
    if (!this.#emitPreventable('before-quit')) return;
    this.#quitting = true;
    if (!this.#emitPreventable('will-quit')) {
      this.#quitting = false;
      return;
    }
    this.emit('quit', { preventDefault() {} }, 0);
    console.log('event quit');
    setImmediate(() => process.exit(0));
  }

  exit(code = 0) {
    process.exit(code);
  }

  #emitPreventable(name) {
    const event = {
      defaultPrevented: false,
      preventDefault() {
        this.defaultPrevented = true;
      },
    };
    this.emit(name, event);
    console.log(`event ${name} ${event.defaultPrevented ? 'prevented' : 'passed'}`);
    return !event.defaultPrevented;
  }
}

const [userData, policy, recorderJson, ...args] = process.argv.slice(2);
const app = new AppStandIn(userData, [process.execPath, process.argv[1], ...process.argv.slice(2)]);
const handlers = new Map();
const ipcMain = {
  handle(channel, listener) {
    if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    handlers.set(channel, listener);
  },
};
const invoke = (channel, ...rest) => Promise.resolve().then(() => handlers.get(channel)({ sender: {} }, ...rest));
const win = { isMinimized: () => true, restore: () => console.log('restored'), focus: () => console.log('focused') };
app.on('second-instance', (_event, argv, cwd, additionalData) => console.log(`second-instance ${JSON.stringify({ argv, cwd, additionalData })}`));

const pm = await setUpPidkeep({ app, ipcMain, policy, recorder: JSON.parse(recorderJson), getWindow: () => win });
if (!pm) {
  console.log(`second instance: quitting (${args.join(' ')})`);
} else {
  console.log(`recovery ${JSON.stringify(pm.recovery)}`);
  console.log('ready');
  createInterface({ input: process.stdin }).on('line', (command) => {
    if (command === 'quit') app.quit();
    else if (command === 'exit') app.exit(0);
    else if (command === 'start' || command === 'stop') {
      invoke(`recorder:${command}`).then(
        (result) => console.log(`${command} ok ${JSON.stringify(result)}`),
        (error) => console.log(`${command} failed ${error.code ?? ''} ${error.message}`),
      );
    } else console.log(`unknown command ${command}`);
  });
}
