import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { RecordingFile } from '../../engine/types.ts';

/** File name endings for the types phone systems record in; anything else is kept without one. */
const EXTENSIONS: Readonly<Record<string, string>> = {
  'audio/wav': '.wav',
  'audio/x-wav': '.wav',
  'audio/wave': '.wav',
};

/**
 * Recording files in the data folder: each written once from the phone system's copy, read for
 * downloads, deleted by retention. Names come from recording ids the engine made, never from a request.
 */
export class RecordingFiles {
  constructor(private readonly dir: string) {}

  /** Writes the file as it arrives, under a temporary name until complete, so no half file shows. */
  async write(recordingId: string, file: RecordingFile): Promise<{ path: string; size: number }> {
    await mkdir(this.dir, { recursive: true });
    const path = join(this.dir, `${recordingId}${EXTENSIONS[file.contentType] ?? ''}`);
    const partial = `${path}.part`;
    try {
      await pipeline(Readable.from(file.body), createWriteStream(partial));
      await rename(partial, path);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    return { path, size: (await stat(path)).size };
  }

  /** The file to send, or undefined when it is no longer in the folder. */
  async open(path: string): Promise<Readable | undefined> {
    const found = await stat(path).catch(() => undefined);
    return found?.isFile() ? createReadStream(path) : undefined;
  }

  /** Deletes a file; one already gone is not an error. */
  async delete(path: string): Promise<void> {
    await rm(path, { force: true });
  }
}
