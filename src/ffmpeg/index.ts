// pidkeep/ffmpeg: an audio recorder on a pidkeep manager. No I/O of its own and no Node imports, so a webview
// bundle can use it; the host (how to run FFmpeg, how to reach files) comes from pidkeep/node or pidkeep/tauri.
//   recorder.ts  createRecorder: start, status, stop (q first), cancel, and the repair of a cut WAV at start-up
//   wav.ts       reading a WAV header and patching its sizes in place
//   devices.ts   FFmpeg's device listings per platform, parsed
//   host.ts      what the recorder needs from its surroundings
export { createRecorder, RECORDER_STOP_PLAN, type Container, type Recorder, type RecorderInput, type RecorderOptions, type RecorderRecovery, type RecorderStatus, type Recording } from './recorder.js';
export { inspectWav, repairWav, WAV_HEADER_LIMIT, type RandomAccessFile, type WavFormat, type WavPatch, type WavState } from './wav.js';
export { deviceListing, parseAlsaSources, parseAvfoundationDevices, parseDshowDevices, parsePulseSources, type AudioDevice } from './devices.js';
export type { RecorderHost } from './host.js';
