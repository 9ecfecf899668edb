import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// Small helpers the benchmarks share: number formatting, flag parsing and access to the garbage collector.

/** A number with thousands separators. */
export function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

/** Bytes as MiB with one decimal. */
export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** A change in bytes as signed MiB. */
export function signedMiB(bytes: number): string {
  return `${bytes >= 0 ? '+' : '-'}${mib(Math.abs(bytes))}`;
}

/** A positive whole number from a command-line flag, or a clear error naming the flag. */
export function whole(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a whole number above 0, got "${text}"`);
  return n;
}

/** The garbage collector, exposed even when node ran without --expose-gc. */
export function exposeGc(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  // Run without --expose-gc (plain `tsx`): expose it now, from a fresh context.
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
