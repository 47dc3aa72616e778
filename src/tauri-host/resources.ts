// Tauri's resource tables (tauri 2.12.7 src/resources/mod.rs): what a plugin hands the page as a resource id
// (`rid`), e.g. an open file of the fs plugin. What this file plays:
// - ids are random u32s (`new_random_rid`, mod.rs:81-84), not counters: a page cannot guess another's;
// - each webview has its own table (src/webview/mod.rs:1435, 1501); the fs plugin adds its files there
//   (tauri-plugin-fs 2.6.0 src/commands.rs:303-305, 354-356), and `plugin:resources|close` removes one, trying the
//   webview's table, then the window's, then the app's (src/resources/plugin.rs:13-22);
// - a table belongs to the webview (the Rust object), not to its page: a reload keeps every resource open, and only
//   the webview's end or the app's (`cleanup_before_exit`, src/app.rs:1128-1140; a crash closes the process's files)
//   frees them;
// - an unknown id is `The resource id <rid> is invalid.` (src/error.rs:145-147), as a command error
//   (src/ipc/mod.rs:249-254).

export interface Resource {
  /** Frees what the resource holds (a file descriptor); called once, when it leaves its table. */
  close(): void;
}

export interface ResourceTable {
  add(resource: Resource): number;
  /** The resource, or Tauri's error text for an unknown id. */
  get(rid: number): Resource;
  close(rid: number): void;
}

export const badResourceId = (rid: unknown) => `The resource id ${String(rid)} is invalid.`;

export function createResourceTables() {
  const tables = new Map<string, Map<number, Resource>>();
  const close = (resource: Resource) => {
    try {
      resource.close();
    } catch {
      // a resource that fails to free itself is dropped all the same, as Rust drops it
    }
  };
  const clear = (table: Map<number, Resource> | undefined) => {
    for (const resource of table?.values() ?? []) close(resource);
    table?.clear();
  };

  return {
    /** The table of the webview `window` (a webview is labelled like its window here). */
    of(window: string): ResourceTable {
      let table = tables.get(window);
      if (!table) tables.set(window, (table = new Map()));
      const own = table;
      return {
        add(resource) {
          let rid = randomRid();
          while (own.has(rid)) rid = randomRid();
          own.set(rid, resource);
          return rid;
        },
        get(rid) {
          const resource = own.get(rid);
          if (!resource) throw badResourceId(rid);
          return resource;
        },
        close(rid) {
          const resource = own.get(rid);
          if (!resource) throw badResourceId(rid);
          own.delete(rid);
          close(resource);
        },
      };
    },
    /** The webview is gone: its resources go with it. */
    closeWindow(window: string) {
      clear(tables.get(window));
      tables.delete(window);
    },
    /** The app run is over (an exit, a crash): every resource is freed. */
    closeAll() {
      for (const table of tables.values()) clear(table);
      tables.clear();
    },
    /** How many resources `window`'s webview holds (for tests: a reload keeps them). */
    count: (window: string) => tables.get(window)?.size ?? 0,
  };
}

export type ResourceTables = ReturnType<typeof createResourceTables>;

function randomRid(): number {
  return globalThis.crypto.getRandomValues(new Uint32Array(1))[0]!;
}
