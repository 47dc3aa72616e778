import { memoryStore } from '../../src/memory-store.js';
import { fileStore } from '../../src/node/file-store.js';
import { tauriFsStore } from '../../src/tauri/fs-store.js';
import { webStore } from '../../src/web/web-store.js';
import { tempDir } from '../helpers/index.js';
import { nodeTauriFs } from '../helpers/tauri-fs.js';
import { memoryStorage } from '../helpers/web-storage.js';
import { storeConformance } from './store-suite.js';

storeConformance('memoryStore', () => memoryStore(), { join: true });
storeConformance('fileStore', (t) => fileStore({ dir: tempDir(t) }), { append: true, join: true });
storeConformance('webStore (in-memory Storage)', () => webStore({ storage: memoryStorage() }));
storeConformance('tauriFsStore (plugin functions over node:fs)', (t) => tauriFsStore({ fs: nodeTauriFs(tempDir(t)) }));
