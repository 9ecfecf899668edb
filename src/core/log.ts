/**
 * Where a part writes what goes wrong (or, for drivers, what changes): the subset of pino every part
 * uses, so the composition root passes one logger to all of them and tests pass {@link SILENT_LOG}.
 */
export interface Log {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** A log that drops everything: the default where no logger is given. */
export const SILENT_LOG: Log = Object.freeze({ info: () => {}, warn: () => {}, error: () => {} });
