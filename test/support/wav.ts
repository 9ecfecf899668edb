/**
 * Reads a WAV file's RIFF header the way an audio player does, independently of the code that wrote
 * it: its format, and how long its audio lasts.
 */
export interface WavInfo {
  readonly format: number;
  readonly channels: number;
  readonly sampleRate: number;
  readonly bitsPerSample: number;
  /** Bytes of audio in the `data` chunk. */
  readonly dataBytes: number;
  /** How long it plays, from the header's byte rate. */
  readonly durationMs: number;
}

export function readWav(bytes: Uint8Array): WavInfo {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error('not a RIFF/WAVE file');
  }
  if (buf.readUInt32LE(4) !== buf.length - 8) throw new Error('the RIFF size does not match the file');
  let offset = 12;
  let fmt: (Omit<WavInfo, 'dataBytes' | 'durationMs'> & { byteRate: number }) | undefined;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      fmt = {
        format: buf.readUInt16LE(body),
        channels: buf.readUInt16LE(body + 2),
        sampleRate: buf.readUInt32LE(body + 4),
        byteRate: buf.readUInt32LE(body + 8),
        bitsPerSample: buf.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (!fmt) throw new Error('data before fmt');
      if (body + size !== buf.length) throw new Error('the data size does not match the file');
      const { byteRate, ...format } = fmt;
      return { ...format, dataBytes: size, durationMs: (size / byteRate) * 1000 };
    }
    offset = body + size + (size % 2);
  }
  throw new Error('no data chunk');
}

/** All the bytes of an iterable body (a driver's or the engine's recording file). */
export async function bytesOf(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}
