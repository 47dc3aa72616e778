import type { Capability } from '../../src/tauri-host/types.js';

// The shell capability the tests grant window "main": scope entries by name, as an app would ship them.
const SCOPE = [
  { name: 'sh', cmd: 'sh', args: true },
  { name: 'cat', cmd: 'cat', args: false },
  { name: 'sleep', cmd: 'sleep', args: [{ validator: '\\d+' }] },
  { name: 'echo-fixed', cmd: 'echo', args: ['fixed', { validator: '[a-z]+' }] },
  { name: 'missing', cmd: '/nonexistent/program', args: true },
];
export const SHELL_CAPABILITY: Capability = {
  identifier: 'shell-main',
  windows: ['main'],
  permissions: [
    { identifier: 'shell:allow-spawn', allow: SCOPE },
    { identifier: 'shell:allow-execute', allow: SCOPE },
    'shell:allow-kill',
    'shell:allow-stdin-write',
  ],
};

