/** The arena store (see store/contract.ts): the interface, getArenaStore, and the SQLite store's opener. */
export * from './store/index.js';
export { openArenaStore, SqliteArenaStore } from './store/sqlite.js';
