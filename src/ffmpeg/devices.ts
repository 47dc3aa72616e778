/**
 * Parsers for FFmpeg's audio-device listings. Pure text in, devices out: no I/O and nothing from Node, so a webview
 * bundle can carry this file and a recorder can run the listing command through any backend.
 *
 * Every parser reads what it recognises and skips the rest, so an error message, an empty listing or a format it
 * does not know comes back as `[]` (a missing device for the recorder to report), never as a throw or a made-up
 * device.
 */

/** One audio input FFmpeg can record from. */
export interface AudioDevice {
  /**
   * What goes after `-f <format> -i`: a pulse source name, an ALSA PCM name, avfoundation `:<name>` or `:<index>`,
   * dshow `audio=<name>` (`audio=@device_…` when the friendly name cannot be used: duplicated, or holding a `:`).
   * @example 'audio=Mikrofon (Realtek(R) Audio)'
   */
  input: string;
  /** For people: the listing's description, made unique within one listing with ` #2`, ` #3`. */
  label: string;
  format: 'pulse' | 'alsa' | 'avfoundation' | 'dshow';
  /** The OS's default input, where the listing says so (the `*` of `-sources`); otherwise false. */
  isDefault: boolean;
}

/** Platforms whose audio listing this module knows. */
export type ListingPlatform = 'linux-pulse' | 'linux-alsa' | 'darwin' | 'win32';

/** How to list one platform's audio inputs: run `ffmpeg ...args`, read `stream`, hand the text to `parse`. */
export interface DeviceListing {
  format: AudioDevice['format'];
  /** FFmpeg's arguments, without the program. `-list_devices` always exits non-zero: judge the text, not the code. */
  args: string[];
  stream: 'stdout' | 'stderr';
  parse: (text: string) => AudioDevice[];
}

/**
 * The listing command for a platform.
 * @example
 * const listing = deviceListing('win32');
 * const { stderr } = await run('ffmpeg', listing.args); // exit code 1 is normal here
 * const devices = listing.parse(stderr);
 */
export function deviceListing(platform: ListingPlatform): DeviceListing {
  switch (platform) {
    case 'linux-pulse':
      return { format: 'pulse', args: ['-hide_banner', '-sources', 'pulse'], stream: 'stdout', parse: parsePulseSources };
    case 'linux-alsa':
      return { format: 'alsa', args: ['-hide_banner', '-sources', 'alsa'], stream: 'stdout', parse: parseAlsaSources };
    case 'darwin':
      return {
        format: 'avfoundation',
        args: ['-hide_banner', '-f', 'avfoundation', '-list_devices', 'true', '-i', ''],
        stream: 'stderr',
        parse: parseAvfoundationDevices,
      };
    case 'win32':
      return {
        format: 'dshow',
        args: ['-hide_banner', '-list_devices', 'true', '-f', 'dshow', '-i', 'dummy'],
        stream: 'stderr',
        parse: parseDshowDevices,
      };
    default:
      throw new TypeError(`[pidkeep] ffmpeg: expected a platform of linux-pulse, linux-alsa, darwin or win32, got \`${String(platform)}\``);
  }
}

/** `ffmpeg -hide_banner -sources pulse` (stdout). Monitor sources stay: they record what the machine plays. */
export function parsePulseSources(text: string): AudioDevice[] {
  const devices = parseSources(text).map(({ name, description, isDefault }) => ({
    input: name,
    label: pulseLabel(name, description),
    format: 'pulse' as const,
    isDefault,
  }));
  return uniqueLabels(devices);
}

/**
 * `ffmpeg -hide_banner -sources alsa` (stdout): FFmpeg asks ALSA for the same PCM hints as `arecord -L`, keeps the
 * capture-capable ones, marks `default`, and prints names exactly as `-f alsa -i` takes them. `null` is left out:
 * it records silence.
 */
export function parseAlsaSources(text: string): AudioDevice[] {
  const devices = parseSources(text)
    .filter(({ name }) => name !== 'null')
    .map(({ name, description, isDefault }) => ({ input: name, label: alsaLabel(name, description), format: 'alsa' as const, isDefault }));
  return uniqueLabels(devices);
}

/** The audio half of `ffmpeg -hide_banner -f avfoundation -list_devices true -i ""` (stderr). */
export function parseAvfoundationDevices(text: string): AudioDevice[] {
  const found: { index: string; name: string }[] = [];
  let section: 'video' | 'audio' | undefined;
  for (const line of logLines(text)) {
    if (/^AVFoundation video devices:?$/.test(line)) section = 'video';
    else if (/^AVFoundation audio devices:?$/.test(line)) section = 'audio';
    else if (section === 'audio') {
      const device = /^\[(\d+)\] (.+)$/.exec(line);
      if (device) found.push({ index: device[1]!, name: device[2]!.trim() });
    }
  }
  const devices = found.map(({ index, name }) => ({
    input: `:${avfoundationNameWorks(name, found.map((other) => other.name)) ? name : index}`,
    label: name,
    format: 'avfoundation' as const,
    isDefault: false,
  }));
  return uniqueLabels(devices);
}

/**
 * `ffmpeg -hide_banner -list_devices true -f dshow -i dummy` (stderr), in both shapes: FFmpeg before 5.0 lists
 * devices under "DirectShow video devices" / "DirectShow audio devices" headers; later ones end each device line with
 * its media types, `(audio)`, `(video)` or `(none)`, and may prefix lines with `[in#0 @ …]` instead of `[dshow @ …]`.
 */
export function parseDshowDevices(text: string): AudioDevice[] {
  const found: { name: string; alternative?: string | undefined; audio: boolean }[] = [];
  let section: 'video' | 'audio' | undefined;
  let last: (typeof found)[number] | undefined;
  for (const line of logLines(text)) {
    if (/^DirectShow video devices\b/.test(line)) {
      section = 'video';
      last = undefined;
      continue;
    }
    if (/^DirectShow audio devices\b/.test(line)) {
      section = 'audio';
      last = undefined;
      continue;
    }
    const alternative = /^Alternative name "(.*)"$/.exec(line);
    if (alternative) {
      if (last && last.alternative === undefined) last.alternative = alternative[1];
      continue;
    }
    const device = /^"(.*)"(?: \(([^()]*)\))?$/.exec(line);
    if (!device) {
      last = undefined;
      continue;
    }
    const types = device[2]?.split(',').map((type) => type.trim());
    last = { name: device[1]!, audio: types ? types.includes('audio') : section === 'audio' };
    found.push(last);
  }
  const audio = found.filter((device) => device.audio && device.name !== '');
  const devices = audio.map(({ name, alternative }) => {
    // dshow splits its input on ':' and opens the first device of a duplicated name: the moniker is unambiguous.
    const ambiguous = name.includes(':') || audio.filter((other) => other.name === name).length > 1;
    return { input: `audio=${ambiguous && alternative ? alternative : name}`, label: name, format: 'dshow' as const, isDefault: false };
  });
  return uniqueLabels(devices);
}

/** A log prefix such as `[dshow @ 000001bd07e70b00]`, `[in#0 @ 0x…]` or `[AVFoundation indev @ 0x7f…]`. */
const LOG_PREFIX = /^\[[^\]]*@ *(?:0x)?[0-9a-fA-F]+\] ?/;

/** The text's lines, whatever their endings, without FFmpeg's log prefixes and surrounding blanks. */
function logLines(text: string): string[] {
  if (typeof text !== 'string') return [];
  return text.split(/\r\n|\r|\n/).map((line) => {
    let rest = line;
    while (LOG_PREFIX.test(rest)) rest = rest.replace(LOG_PREFIX, '');
    return rest.trim();
  });
}

/**
 * The device lines of `-sources`: `* name [description] (media types)`, where `*` marks the default and FFmpeg
 * before 5.0 printed no media types. A description that runs onto further lines is joined with ", ".
 */
function parseSources(text: string): { name: string; description: string; isDefault: boolean }[] {
  if (typeof text !== 'string') return [];
  const found: { name: string; description: string; isDefault: boolean }[] = [];
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    const start = /^([* ]) (\S+) \[(.*)$/.exec(lines[i]!.trimEnd());
    if (!start) continue;
    const parts = [start[3]!];
    let end = closing(parts[0]!);
    while (end === undefined && i + 1 < lines.length && !/^[* ] \S+ \[/.test(lines[i + 1]!)) {
      parts.push(lines[++i]!.trim());
      end = closing(parts[parts.length - 1]!);
    }
    if (end === undefined) continue;
    parts[parts.length - 1] = end;
    const description = parts.filter((part) => part !== '').join(', ');
    found.push({ name: start[2]!, description: description === '' ? start[2]! : description, isDefault: start[1] === '*' });
  }
  return found;
}

/** What comes before a line's closing `]` (and its optional media types), or undefined when it does not close. */
function closing(rest: string): string | undefined {
  return /^(.*)\](?: \([^()]*\))?$/.exec(rest.trimEnd())?.[1]?.trim();
}

function pulseLabel(name: string, description: string): string {
  if (!name.endsWith('.monitor') || /monitor/i.test(description)) return description;
  return `${description} (monitor)`;
}

/** ALSA describes every card's PCM alike ("Default Audio Device"): the card's id tells people which one it is. */
function alsaLabel(name: string, description: string): string {
  const card = /(?:^|[:,])CARD=([^,]+)/.exec(name)?.[1];
  return card === undefined || description.includes(card) ? description : `${card}: ${description}`;
}

/**
 * Whether `-i :<name>` opens this device. FFmpeg reads a leading number as an index, treats `default…` and `none…`
 * as keywords, splits on `:`, and opens the first device whose name starts with what it was given.
 */
function avfoundationNameWorks(name: string, names: string[]): boolean {
  if (name === '' || name.includes(':') || /^\s*[-+]?\d/.test(name) || /^(default|none)/.test(name)) return false;
  return names.filter((other) => other.startsWith(name)).length === 1;
}

/** Later devices with a label already used get ` #2`, ` #3`: people must be able to tell them apart. */
function uniqueLabels(devices: AudioDevice[]): AudioDevice[] {
  const seen = new Map<string, number>();
  return devices.map((device) => {
    const count = (seen.get(device.label) ?? 0) + 1;
    seen.set(device.label, count);
    return count === 1 ? device : { ...device, label: `${device.label} #${count}` };
  });
}
