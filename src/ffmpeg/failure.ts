// Why FFmpeg did not start recording, told from what FFmpeg itself said: a folder it cannot write to is not a
// missing microphone, and a build without an encoder is neither. The error keeps FFmpeg's own words.
import { PidkeepError } from '../errors.js';

/** What the recorder knows of the start that failed. */
export interface FailedStart {
  name: string;
  /** The file FFmpeg was to write, and a label of its input for people. */
  path: string;
  input: string;
  /** The values of the input's `-i` arguments: FFmpeg names an input it cannot open by them ("default: ..."). */
  inputs: readonly string[];
  container: string;
  /** What to grant or check when the input gave nothing. */
  grantHint: string;
}

// FFmpeg names the file it cannot open: "<path>: No such file or directory".
const OUTPUT_ERRORS = /No such file or directory|Permission denied|Read-only file system|No space left on device|Disk quota exceeded|File exists|already exists|Is a directory|Not a directory/i;
// `-n` refuses a name taken since the recorder chose it (another recorder of the same folder in the same second).
const TAKEN = /File exists|already exists/i;
// An input FFmpeg cannot open: an audio system that is not running, a device that is gone or busy, a format this
// build lacks. Its demuxer tags its lines ("[pulse @ 0x...]"), or FFmpeg says it could not open the input.
const INPUT_LINES = /\[(pulse|alsa|oss|jack|sndio|avfoundation|dshow|wasapi|openal|lavfi|lavfi-graph)\b[^\]]*@|Error opening input|Could not find audio|could not open|Connection refused|Device or resource busy|No such device|Input\/output error/i;
// What this FFmpeg build lacks: an encoder, an option, or an input format (a build without PulseAudio or ALSA).
const ENCODER_LINES = /Unknown encoder|Encoder not found|Unrecognized option|Unknown decoder|Option not found|Unknown input format/i;

/** The error for a recording that did not start (from the manager's NOT_READY), classified by FFmpeg's words. */
export function recordingFailure(error: PidkeepError, start: FailedStart): PidkeepError {
  const words = error.stderr ?? '';
  const lines = words.split('\n');
  const said = (line: string | undefined) => (line ? `FFmpeg said: ${line.trim()}` : words ? `FFmpeg's last lines:\n${words}` : 'none of its output could be read here (see its log, if it has one)');
  const details = { record: start.name, pid: error.pid, stderr: error.stderr, cause: error };
  const file = start.path.slice(start.path.lastIndexOf('/') + 1);
  const output = lines.find((line) => line.includes(file) && OUTPUT_ERRORS.test(line));
  if (output) {
    const folder = start.path.slice(0, start.path.lastIndexOf('/')) || '/';
    if (TAKEN.test(output)) return new PidkeepError('OUTPUT_FAILED', `the recording's file name ${start.path} was taken by another writer between the choice and the start; ${said(output)}. Start again: a new name is chosen`, details);
    return new PidkeepError('OUTPUT_FAILED', `FFmpeg could not write the recording ${start.path}; ${said(output)}. Check that ${folder} exists (the recorder makes it where it may: in Tauri, grant fs:allow-mkdir and fs:allow-exists on it) and that this app may write there, and that the disk has room`, details);
  }
  const named = lines.find((line) => start.inputs.some((input) => line.startsWith(`${input}: `)));
  const encoder = lines.find((line) => ENCODER_LINES.test(line));
  if (encoder && !named) return new PidkeepError('UNSUPPORTED', `this FFmpeg cannot record ${start.container} from ${start.input}; ${said(encoder)}. Install a full FFmpeg build (the system's, with the OS's audio inputs), or pick another container or input`, details);
  const input = named ?? lines.find((line) => INPUT_LINES.test(line));
  if (input) return new PidkeepError('DEVICE_NOT_FOUND', `FFmpeg could not record from ${start.input}; ${said(input)}. Pick an input from recorder.listDevices(), or ${start.grantHint}`, details);
  // Nothing FFmpeg said names the cause. It ended (its exit is in the reason), or it ran without writing audio: an
  // input that delivers nothing.
  const why = error.reason.split('; the last lines of its stderr:')[0]!;
  if (why.startsWith('it ended')) return new PidkeepError('NOT_READY', `FFmpeg ended before it recorded (${why}); ${said(undefined)}`, details);
  return new PidkeepError('DEVICE_NOT_FOUND', `FFmpeg wrote no audio from ${start.input} (${why}); ${said(undefined)}; pick an input from recorder.listDevices(), or ${start.grantHint}`, details);
}
