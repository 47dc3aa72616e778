// pidkeep/web: the browser and webview drivers. Nothing here may import Node-only modules: it ends up in a webview bundle.
export { webStore, type WebStore, type WebStoreOptions } from './web-store.js';
