// pidkeep/node: the Node.js drivers. Never import this from a webview bundle.
export { nodeBackend, type NodeBackendOptions } from './backend.js';
export type { LogLimits } from './log-output.js';
export { defaultDir, fileStore, type FileStore, type FileStoreOptions } from './file-store.js';
export type { Platform } from './platform/index.js';
export { ffmpegHost, findFfmpeg, type FfmpegHostOptions, type FoundFfmpeg } from './ffmpeg-host.js';
export { nodeFile } from './wav-file.js';
