import { describe, expect, it } from 'vitest';
import { timeOrderedId } from '../src/core/ids.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('timeOrderedId', () => {
  it('is a UUID of version 7 and the RFC 9562 variant, carrying the time in its first 48 bits', () => {
    const at = Date.UTC(2026, 11, 7, 20, 30);
    const id = timeOrderedId(at);
    expect(id).toMatch(UUID_V7);
    expect(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(at);
  });

  it('sorts by creation time, so stored rows land at the end of their indexes', () => {
    const ids = [0, 1, 2, 1_000, 86_400_000].map((offset) => timeOrderedId(1_800_000_000_000 + offset));
    expect([...ids].sort()).toEqual(ids);
  });

  it('is unique within the same millisecond', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => timeOrderedId(1_800_000_000_000)));
    expect(ids.size).toBe(10_000);
  });
});
