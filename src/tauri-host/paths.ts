// Tauri's base directories, the way its path resolver lays them out on Linux, and `$VAR` path parsing.
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

/** `BaseDirectory` numbers of @tauri-apps/api/path, as sent in `options.baseDir`. */
const BASE_DIRECTORY_VARIABLES: Record<number, string> = {
  1: '$AUDIO', 2: '$CACHE', 3: '$CONFIG', 4: '$DATA', 5: '$LOCALDATA', 6: '$DOCUMENT', 7: '$DOWNLOAD',
  8: '$PICTURE', 9: '$PUBLIC', 10: '$VIDEO', 11: '$RESOURCE', 12: '$TEMP', 13: '$APPCONFIG', 14: '$APPDATA',
  15: '$APPLOCALDATA', 16: '$APPCACHE', 17: '$APPLOG', 18: '$DESKTOP', 19: '$EXE', 20: '$FONT', 21: '$HOME',
  22: '$RUNTIME', 23: '$TEMPLATE',
};

export type BaseDirs = Record<string, string>;

/** Every `$VAR` the host knows, resolved for this identifier (see `TauriHostOptions.dataDir`). */
export function baseDirs(identifier: string, dataDir?: string): BaseDirs {
  const home = dataDir ? join(dataDir, 'home') : homedir();
  const env = dataDir ? {} : process.env;
  const data = dataDir ?? env.XDG_DATA_HOME ?? join(home, '.local', 'share');
  const config = dataDir ? join(dataDir, 'config') : env.XDG_CONFIG_HOME ?? join(home, '.config');
  const cache = dataDir ? join(dataDir, 'cache') : env.XDG_CACHE_HOME ?? join(home, '.cache');
  return {
    $HOME: home,
    $DATA: data,
    $LOCALDATA: data,
    $CONFIG: config,
    $CACHE: cache,
    $TEMP: dataDir ? join(dataDir, 'tmp') : tmpdir(),
    $DOCUMENT: join(home, 'Documents'),
    $DOWNLOAD: join(home, 'Downloads'),
    $DESKTOP: join(home, 'Desktop'),
    $PICTURE: join(home, 'Pictures'),
    $AUDIO: join(home, 'Music'),
    $VIDEO: join(home, 'Videos'),
    $PUBLIC: join(home, 'Public'),
    $TEMPLATE: join(home, 'Templates'),
    $FONT: join(data, 'fonts'),
    $EXE: join(home, '.local', 'bin'),
    $RUNTIME: env.XDG_RUNTIME_DIR ?? join(home, 'run'),
    $RESOURCE: join(data, identifier, 'resources'),
    $APPDATA: join(data, identifier),
    $APPLOCALDATA: join(data, identifier),
    $APPCONFIG: join(config, identifier),
    $APPCACHE: join(cache, identifier),
    // Tauri puts the app log dir under the local data dir on Linux
    $APPLOG: join(data, identifier, 'logs'),
  };
}

/** The directory for a `baseDir` number, or undefined for an unknown number. */
export function baseDirPath(dirs: BaseDirs, baseDir: unknown): string | undefined {
  const variable = typeof baseDir === 'number' ? BASE_DIRECTORY_VARIABLES[baseDir] : undefined;
  return variable ? dirs[variable] : undefined;
}

/** `PathResolver::parse`: a leading `$VAR` component is replaced by its directory and `..` components are dropped. */
export function parseVariables(dirs: BaseDirs, path: string): string {
  const parts = path.split('/');
  const first = parts[0] ?? '';
  if (first in dirs) parts[0] = dirs[first]!;
  return parts.filter((part, index) => part !== '..' && (part !== '' || index === 0) && part !== '.').join('/') || '/';
}
