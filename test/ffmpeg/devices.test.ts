import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  type AudioDevice,
  deviceListing,
  parseAlsaSources,
  parseAvfoundationDevices,
  parseDshowDevices,
  parsePulseSources,
} from '../../src/ffmpeg/devices.js';

// Recorded listings; SOURCES.md says where each one comes from.
const fixture = (name: string) => readFileSync(new URL(`../fixtures/ffmpeg-devices/${name}.txt`, import.meta.url), 'utf8');
const crlf = (text: string) => text.replace(/\n/g, '\r\n');

const pulse = (input: string, label: string, isDefault = false): AudioDevice => ({ input, label, format: 'pulse', isDefault });
const alsa = (input: string, label: string, isDefault = false): AudioDevice => ({ input, label, format: 'alsa', isDefault });
const avf = (input: string, label: string): AudioDevice => ({ input, label, format: 'avfoundation', isDefault: false });
const dshow = (input: string, label: string): AudioDevice => ({ input, label, format: 'dshow', isDefault: false });

const parsers = [parsePulseSources, parseAlsaSources, parseAvfoundationDevices, parseDshowDevices];

// --- fixtures: the expected lists were written from reading each file ---------------------------------------------

test('pulse-1 (this machine): monitors kept and named, default marked, non-ASCII kept, duplicate labels told apart', () => {
  assert.deepEqual(parsePulseSources(fixture('pulse-1')), [
    pulse('pidkeep_null.monitor', 'Monitor of Pidkeep_Null_Sink'),
    pulse('pidkeep_mic', 'Pidkeep_Mikrofon', true),
    pulse('kopfhoerer.monitor', 'Monitor of Kopfhörer'),
    pulse('usb_mic_jp', 'USBマイク (Realtek(R) Audio)'),
    pulse('mic_dup', 'Mikrofon (Realtek(R) Audio)'),
    pulse('mic_dup2', 'Mikrofon (Realtek(R) Audio) #2'),
  ]);
});

test('pulse-2 (FFmpeg 4.1, no media types): a monitor can be the default', () => {
  assert.deepEqual(parsePulseSources(fixture('pulse-2')), [
    pulse('alsa_output.pci-0000_00_1b.0.analog-stereo.monitor', 'Monitor of Audio Interno Estéreo analógico', true),
    pulse('alsa_input.pci-0000_00_1b.0.analog-stereo', 'Audio Interno Estéreo analógico'),
    pulse(
      'alsa_output.pci-0000_01_00.0.analog-stereo.monitor',
      'Monitor of CMI8738/CMI8768 PCI Audio (CMI8738/C3DX PCI Audio Device) Estéreo analógico',
    ),
    pulse('alsa_input.pci-0000_01_00.0.analog-stereo', 'CMI8738/CMI8768 PCI Audio (CMI8738/C3DX PCI Audio Device) Estéreo analógico'),
  ]);
});

test('pulse-error-1 (this machine, no server): "Cannot list sources" is no device', () => {
  assert.deepEqual(parsePulseSources(fixture('pulse-error-1')), []);
});

const alsaPlugins = [
  alsa('lavrate', 'Rate Converter Plugin Using Libav/FFmpeg Library'),
  alsa('samplerate', 'Rate Converter Plugin Using Samplerate Library'),
  alsa('speexrate', 'Rate Converter Plugin Using Speex Resampler'),
  alsa('jack', 'JACK Audio Connection Kit'),
  alsa('oss', 'Open Sound System'),
  alsa('pulse', 'PulseAudio Sound Server'),
  alsa('speex', 'Plugin using Speex DSP (resample, agc, denoise, echo, dereverb)'),
  alsa('upmix', 'Plugin for channel upmix (4,6,8)'),
  alsa('vdownmix', 'Plugin for channel downmix (stereo) with a simple spacialization'),
];

test('alsa-1 (this machine, no sound server): every capture PCM but null', () => {
  assert.deepEqual(parseAlsaSources(fixture('alsa-1')), alsaPlugins);
});

test('alsa-2 (this machine, pulse running): default is listed and marked', () => {
  assert.deepEqual(parseAlsaSources(fixture('alsa-2')), [
    alsa('default', 'Playback/recording through the PulseAudio sound server', true),
    ...alsaPlugins,
  ]);
});

test('avfoundation-1 (FFmpeg 3.4, "input device" prefix, unprefixed first header): audio only, by name', () => {
  assert.deepEqual(parseAvfoundationDevices(fixture('avfoundation-1')), [
    avf(':Soundflower (64ch)', 'Soundflower (64ch)'),
    avf(':Built-in Microphone', 'Built-in Microphone'),
    avf(':Soundflower (2ch)', 'Soundflower (2ch)'),
    avf(':Built-in Input', 'Built-in Input'),
  ]);
});

test('avfoundation-2 (Dutch camera names): the cameras stay out', () => {
  assert.deepEqual(parseAvfoundationDevices(fixture('avfoundation-2')), [
    avf(':Soundflower (64ch)', 'Soundflower (64ch)'),
    avf(':Built-in Microphone', 'Built-in Microphone'),
    avf(':Soundflower (2ch)', 'Soundflower (2ch)'),
    avf(':Display Audio', 'Display Audio'),
  ]);
});

test('avfoundation-3 ("indev" prefix, trailing error line): the devices before the error count', () => {
  assert.deepEqual(parseAvfoundationDevices(fixture('avfoundation-3')), [
    avf(':Description', 'Description'),
    avf(':Jaybird Tarah Pro', 'Jaybird Tarah Pro'),
    avf(':Built-in Microphone', 'Built-in Microphone'),
  ]);
});

test('dshow-old-1 (FFmpeg 3.2, Chinese name, single spaces): the audio section only', () => {
  assert.deepEqual(parseDshowDevices(fixture('dshow-old-1')), [
    dshow('audio=麦克风 (High Definition Audio 设备)', '麦克风 (High Definition Audio 设备)'),
    dshow('audio=virtual-audio-capturer', 'virtual-audio-capturer'),
  ]);
});

test('dshow-old-2 (nested parentheses in the name)', () => {
  assert.deepEqual(parseDshowDevices(fixture('dshow-old-2')), [
    dshow('audio=Headset Microphone (Cirrus Logic CS4208 (AB 94))', 'Headset Microphone (Cirrus Logic CS4208 (AB 94))'),
  ]);
});

test('dshow-new-1 and dshow-new-2 (typed lines, [in#0 @] and [dshow @] prefixes mixed)', () => {
  for (const name of ['dshow-new-1', 'dshow-new-2']) {
    assert.deepEqual(parseDshowDevices(fixture(name)), [dshow('audio=virtual-audio-capturer', 'virtual-audio-capturer')], name);
  }
});

test('every fixture parses the same with CRLF line endings', () => {
  const all = [
    ...['pulse-1', 'pulse-2', 'pulse-error-1'].map((name) => [name, parsePulseSources] as const),
    ...['alsa-1', 'alsa-2'].map((name) => [name, parseAlsaSources] as const),
    ...['avfoundation-1', 'avfoundation-2', 'avfoundation-3'].map((name) => [name, parseAvfoundationDevices] as const),
    ...['dshow-old-1', 'dshow-old-2', 'dshow-new-1', 'dshow-new-2'].map((name) => [name, parseDshowDevices] as const),
  ];
  for (const [name, parse] of all) assert.deepEqual(parse(crlf(fixture(name))), parse(fixture(name)), name);
});

test('a fixture given to the wrong parser yields nothing', () => {
  assert.deepEqual(parseDshowDevices(fixture('avfoundation-1')), []);
  assert.deepEqual(parseAvfoundationDevices(fixture('dshow-new-1')), []);
  assert.deepEqual(parsePulseSources(fixture('dshow-old-1')), []);
  assert.deepEqual(parseAlsaSources(fixture('avfoundation-3')), []);
});

// --- edge cases: lines in the fixtures' shapes, varied one thing at a time -----------------------------------------

test('empty or blank text is no device, for every parser', () => {
  for (const parse of parsers) {
    assert.deepEqual(parse(''), []);
    assert.deepEqual(parse('\r\n\n  \n'), []);
  }
});

test('error text is no device, and nothing throws', () => {
  const errors = [
    'Auto-detected sources for pulse:\nCannot list sources: Connection refused\n',
    'Auto-detected sources for alsa:\nCannot list sources: Function not implemented\n',
    '[dshow @ 000001e9d732bf00] Could not enumerate audio only devices (or none found).\n',
    '[in#0 @ 0000020290e46d00] Error opening input: Immediate exit requested\r\nError opening input file dummy.\r\n',
    'Unknown input format: \'avfoundation\'\n',
    '[AVFoundation indev @ 0x7f9] AVFoundation audio devices:\n[AVFoundation indev @ 0x7f9] Could not enumerate audio only devices\n: Input/output error\n',
  ];
  for (const parse of parsers) for (const text of errors) assert.deepEqual(parse(text), [], `${parse.name}: ${text}`);
});

test('dshow: a duplicated friendly name is opened by its alternative name', () => {
  // The two Russian lines are from python-sounddevice#45 (see SOURCES.md); the stored copy cuts the second moniker
  // short, so its tail (0000-…) and the Stereo Mix device are filled in here.
  const text = [
    '[dshow @ 00000193d788a8a0] DirectShow audio devices',
    '[dshow @ 00000193d788a8a0]  "Микрофон (Устройство с поддержкой High Definition Audio)"',
    '[dshow @ 00000193d788a8a0]     Alternative name "@device_cm_{33D9A762-90C8-11D0-BD43-00A0C911CE86}\\wave_{A63B8A2D-19F7-4D35-AFA7-0C750E7B6595}"',
    '[dshow @ 00000193d788a8a0]  "Микрофон (Устройство с поддержкой High Definition Audio)"',
    '[dshow @ 00000193d788a8a0]     Alternative name "@device_cm_{33D9A762-90C8-11D0-BD43-00A0C911CE86}\\wave_{293B27B7-BDD1-4B42-0000-000000000000}"',
    '[dshow @ 00000193d788a8a0]  "Stereo Mix (Realtek(R) Audio)"',
    '[dshow @ 00000193d788a8a0]     Alternative name "@device_cm_{33D9A762-90C8-11D0-BD43-00A0C911CE86}\\wave_{1}"',
  ].join('\n');
  assert.deepEqual(parseDshowDevices(text), [
    dshow(
      'audio=@device_cm_{33D9A762-90C8-11D0-BD43-00A0C911CE86}\\wave_{A63B8A2D-19F7-4D35-AFA7-0C750E7B6595}',
      'Микрофон (Устройство с поддержкой High Definition Audio)',
    ),
    dshow(
      'audio=@device_cm_{33D9A762-90C8-11D0-BD43-00A0C911CE86}\\wave_{293B27B7-BDD1-4B42-0000-000000000000}',
      'Микрофон (Устройство с поддержкой High Definition Audio) #2',
    ),
    dshow('audio=Stereo Mix (Realtek(R) Audio)', 'Stereo Mix (Realtek(R) Audio)'),
  ]);
});

test('dshow: a name with a colon is opened by its alternative name; without one, by the name', () => {
  const text = [
    '[dshow @ 0x1] "Wave Link Monitor (Elgato Wave:3)" (audio)',
    '[dshow @ 0x1]   Alternative name "@device_cm_{33D9A762-90C8-11D0-BD43-00A0C911CE86}\\wave_{6DAD5C}"',
    '[dshow @ 0x1] "Mikrofon (Realtek(R) Audio)" (audio)',
    '[dshow @ 0x1] "Mikrofon (Realtek(R) Audio)" (audio)',
  ].join('\n');
  assert.deepEqual(parseDshowDevices(text), [
    dshow('audio=@device_cm_{33D9A762-90C8-11D0-BD43-00A0C911CE86}\\wave_{6DAD5C}', 'Wave Link Monitor (Elgato Wave:3)'),
    dshow('audio=Mikrofon (Realtek(R) Audio)', 'Mikrofon (Realtek(R) Audio)'),
    dshow('audio=Mikrofon (Realtek(R) Audio)', 'Mikrofon (Realtek(R) Audio) #2'),
  ]);
});

test('dshow: (none) and (video) are left out, (audio, video) is kept, whatever the prefix address', () => {
  const text = [
    '[in#0 @ 000001fd3bc41ec0] "HP HD Camera" (video)',
    '[in#0 @ 000001fd3bc41ec0]   Alternative name "@device_pnp_cam"',
    '[in#0 @ 000001fd3bc41ec0] "OBS Virtual Camera" (none)',
    '[dshow @ 0x7ffd12] "Elgato Game Capture HD60" (audio, video)',
    '[dshow @ 0000] "マイク (Realtek(R) Audio)" (audio)',
    'dummy: Immediate exit requested',
  ].join('\r\n');
  assert.deepEqual(parseDshowDevices(text), [
    dshow('audio=Elgato Game Capture HD60', 'Elgato Game Capture HD60'),
    dshow('audio=マイク (Realtek(R) Audio)', 'マイク (Realtek(R) Audio)'),
  ]);
});

test('dshow: an alternative name belongs to the device line just before it', () => {
  const text = [
    '[dshow @ 0x1] DirectShow audio devices',
    '[dshow @ 0x1]  "Mic"',
    '[dshow @ 0x1] some other log line',
    '[dshow @ 0x1]     Alternative name "@stray"',
    '[dshow @ 0x1]  "Mic"',
  ].join('\n');
  assert.deepEqual(parseDshowDevices(text), [dshow('audio=Mic', 'Mic'), dshow('audio=Mic', 'Mic #2')]);
});

test('avfoundation: a name FFmpeg would misread is opened by its index', () => {
  const text = [
    '[AVFoundation indev @ 0x7f] AVFoundation video devices:',
    '[AVFoundation indev @ 0x7f] [0] FaceTime HD Camera',
    '[AVFoundation indev @ 0x7f] AVFoundation audio devices:',
    '[AVFoundation indev @ 0x7f] [0] 2- USB Audio CODEC',
    '[AVFoundation indev @ 0x7f] [1] Studio: Input 1',
    '[AVFoundation indev @ 0x7f] [2] USB Mic',
    '[AVFoundation indev @ 0x7f] [3] USB Mic 2',
    '[AVFoundation indev @ 0x7f] [4] default device',
    '[AVFoundation indev @ 0x7f] [5] MacBook Pro Microphone',
    '[AVFoundation indev @ 0x7f] [6] MacBook Pro Microphone',
    '[AVFoundation indev @ 0x7f] [7] マイク',
  ].join('\n');
  assert.deepEqual(parseAvfoundationDevices(text), [
    avf(':0', '2- USB Audio CODEC'),
    avf(':1', 'Studio: Input 1'),
    avf(':2', 'USB Mic'),
    avf(':USB Mic 2', 'USB Mic 2'),
    avf(':4', 'default device'),
    avf(':5', 'MacBook Pro Microphone'),
    avf(':6', 'MacBook Pro Microphone #2'),
    avf(':マイク', 'マイク'),
  ]);
});

test('alsa: the card id goes into the label, where the description does not name it', () => {
  const text = [
    'Auto-detected sources for alsa:',
    '  null [Discard all samples (playback) or generate zero samples (capture)]',
    '* default [Default ALSA Output (currently PipeWire Media Server)]',
    '  hw:CARD=Snowflake,DEV=0 [Direct hardware device without any conversions]',
    '  plughw:CARD=Snowflake,DEV=0 [Hardware device with all software conversions] (none)',
    '  sysdefault:CARD=Snowflake [Default Audio Device]',
    '  default:CARD=Snowflake [Default Audio Device]',
  ].join('\n');
  assert.deepEqual(parseAlsaSources(text), [
    alsa('default', 'Default ALSA Output (currently PipeWire Media Server)', true),
    alsa('hw:CARD=Snowflake,DEV=0', 'Snowflake: Direct hardware device without any conversions'),
    alsa('plughw:CARD=Snowflake,DEV=0', 'Snowflake: Hardware device with all software conversions'),
    alsa('sysdefault:CARD=Snowflake', 'Snowflake: Default Audio Device'),
    alsa('default:CARD=Snowflake', 'Snowflake: Default Audio Device #2'),
  ]);
});

test('-sources: a description that runs onto further lines is joined, and the next device still parses', () => {
  const text = [
    'Auto-detected sources for alsa:',
    '  sysdefault:CARD=PCH [HDA Intel PCH, ALC3246 Analog',
    'Default Audio Device]',
    '  front:CARD=PCH,DEV=0 [HDA Intel PCH, ALC3246 Analog',
    'Front output / input] (none)',
    '  broken [never closed',
    '  hw:CARD=PCH,DEV=0 [Direct hardware device without any conversions]',
  ].join('\n');
  assert.deepEqual(parseAlsaSources(text), [
    alsa('sysdefault:CARD=PCH', 'HDA Intel PCH, ALC3246 Analog, Default Audio Device'),
    alsa('front:CARD=PCH,DEV=0', 'HDA Intel PCH, ALC3246 Analog, Front output / input'),
    alsa('hw:CARD=PCH,DEV=0', 'PCH: Direct hardware device without any conversions'),
  ]);
});

test('pulse: a monitor whose description does not say so is marked', () => {
  const text = 'Auto-detected sources for pulse:\r\n  bluez_output.98_47_44_93_A0_67.1.monitor [WH-1000XM4] (none)\r\n';
  assert.deepEqual(parsePulseSources(text), [pulse('bluez_output.98_47_44_93_A0_67.1.monitor', 'WH-1000XM4 (monitor)')]);
});

test('deviceListing: one command per platform, read from the stream FFmpeg writes it to', () => {
  assert.deepEqual(
    Object.fromEntries(
      (['linux-pulse', 'linux-alsa', 'darwin', 'win32'] as const).map((platform) => {
        const { format, args, stream, parse } = deviceListing(platform);
        return [platform, { format, args, stream, parse: parse.name }];
      }),
    ),
    {
      'linux-pulse': { format: 'pulse', args: ['-hide_banner', '-sources', 'pulse'], stream: 'stdout', parse: 'parsePulseSources' },
      'linux-alsa': { format: 'alsa', args: ['-hide_banner', '-sources', 'alsa'], stream: 'stdout', parse: 'parseAlsaSources' },
      darwin: {
        format: 'avfoundation',
        args: ['-hide_banner', '-f', 'avfoundation', '-list_devices', 'true', '-i', ''],
        stream: 'stderr',
        parse: 'parseAvfoundationDevices',
      },
      win32: { format: 'dshow', args: ['-hide_banner', '-list_devices', 'true', '-f', 'dshow', '-i', 'dummy'], stream: 'stderr', parse: 'parseDshowDevices' },
    },
  );
  assert.throws(() => deviceListing('beos' as never), /expected a platform of linux-pulse, linux-alsa, darwin or win32, got `beos`/);
});

test('the parsers import nothing, so a webview bundle can carry them', () => {
  const source = readFileSync(new URL('../../src/ffmpeg/devices.ts', import.meta.url), 'utf8');
  assert.doesNotMatch(source, /^\s*import\s/m);
  assert.doesNotMatch(source, /\brequire\(|\bprocess\.|\bBuffer\b/);
});
