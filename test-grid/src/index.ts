/**
 * The grid harness: starts real `tessera` processes (the built, bundled binary) on 127.0.0.1
 * with port 0, waits for their JSON ready lines, logs each to a file, and stops them with
 * SIGTERM, then SIGKILL (STYLE §6).
 * @packageDocumentation
 */
export * from './process.ts';
export * from './grid.ts';
export * from './storage-rpc.ts';
