/**
 * WAV files as Asterisk writes them for `format=wav`: 8 kHz, mono, 16-bit little-endian PCM behind a
 * 44-byte RIFF header. The simulator records tones in this format, so what a test downloads plays in
 * any audio player and its length can be read from its header.
 */

export const WAV_SAMPLE_RATE = 8_000;
const BYTES_PER_SAMPLE = 2;
export const WAV_HEADER_BYTES = 44;
/** Quarter of full scale: clearly audible, never clipped. */
const AMPLITUDE = 8_192;

/** Samples in `durationMs` of audio (8 per millisecond). */
function samplesIn(durationMs: number): number {
  return Math.max(0, Math.round((durationMs * WAV_SAMPLE_RATE) / 1000));
}

/** The size in bytes of a WAV file holding `durationMs` of audio. */
export function wavSize(durationMs: number): number {
  return WAV_HEADER_BYTES + samplesIn(durationMs) * BYTES_PER_SAMPLE;
}

/** The RIFF header of a WAV file whose audio is `dataBytes` long. */
export function wavHeader(dataBytes: number): Uint8Array {
  const header = Buffer.alloc(WAV_HEADER_BYTES);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16); // size of the fmt chunk
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(WAV_SAMPLE_RATE, 24);
  header.writeUInt32LE(WAV_SAMPLE_RATE * BYTES_PER_SAMPLE, 28); // bytes per second
  header.writeUInt16LE(BYTES_PER_SAMPLE, 32); // bytes per sample frame
  header.writeUInt16LE(8 * BYTES_PER_SAMPLE, 34); // bits per sample
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataBytes, 40);
  return header;
}

/**
 * A WAV file of `durationMs` of a steady tone, produced a second at a time so that an hour's
 * recording never sits in memory whole.
 */
export async function* toneWav(durationMs: number, hz = 440): AsyncGenerator<Uint8Array> {
  const samples = samplesIn(durationMs);
  yield wavHeader(samples * BYTES_PER_SAMPLE);
  for (let start = 0; start < samples; start += WAV_SAMPLE_RATE) {
    const count = Math.min(WAV_SAMPLE_RATE, samples - start);
    const chunk = Buffer.alloc(count * BYTES_PER_SAMPLE);
    for (let i = 0; i < count; i++) {
      const value = Math.round(AMPLITUDE * Math.sin((2 * Math.PI * hz * (start + i)) / WAV_SAMPLE_RATE));
      chunk.writeInt16LE(value, i * BYTES_PER_SAMPLE);
    }
    yield chunk;
  }
}
