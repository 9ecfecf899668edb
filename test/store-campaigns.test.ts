import { afterEach, beforeEach, expect, it } from 'vitest';
import { openStore } from '../src/store/open-store.ts';
import type { Store, StoreConfig, StoredContact } from '../src/store/types.ts';
import { describeOn, storeBackends } from './support/store-backends.ts';

/** Campaign contacts and the do-not-call list: one contract suite on every backend. */

const contact = (
  campaignId: string,
  row: number,
  phoneNumber: string,
  status = 'pending',
): StoredContact => ({
  id: `${campaignId}-${row}`,
  campaignId,
  row,
  phoneNumber,
  status,
  attempts: [],
});

for (const backend of await storeBackends()) {
  describeOn(backend, `campaign contacts and DNC: ${backend.name}`, () => {
    let config: StoreConfig;
    let dispose: () => Promise<void>;
    let store: Store;

    beforeEach(async () => {
      ({ config, dispose } = await backend.provision());
      store = await openStore(config);
    });
    afterEach(async () => {
      await store.close();
      await dispose();
    });

    it('adds a number once per campaign, pages by row, counts by status', async () => {
      const refused = await store.campaignContacts.add([
        contact('c1', 1, '+33142685301'),
        contact('c1', 2, '+33142685302'),
        contact('c1', 3, '+33142685301'),
        contact('c2', 1, '+33142685301'),
      ]);
      expect(refused.map((c) => c.id)).toEqual(['c1-3']);
      expect(await store.campaignContacts.lastRow('c1')).toBe(2);
      expect(await store.campaignContacts.lastRow('none')).toBe(0);
      await store.campaignContacts.save({
        ...contact('c1', 2, '+33142685302', 'completed'),
        attempts: [{ n: 1 }],
      });
      expect(await store.campaignContacts.get('c1-2')).toEqual({
        ...contact('c1', 2, '+33142685302', 'completed'),
        attempts: [{ n: 1 }],
      });
      expect(await store.campaignContacts.countByStatus('c1')).toEqual({ pending: 1, completed: 1 });
      const first = await store.campaignContacts.page('c1', { limit: 1 });
      expect(first.items.map((c) => c.id)).toEqual(['c1-1']);
      const second = await store.campaignContacts.page('c1', {
        limit: 1,
        cursor: first.nextCursor as string,
      });
      expect(second).toEqual({ items: [expect.objectContaining({ id: 'c1-2' })] });
      expect(
        (await store.campaignContacts.page('c1', { limit: 5, status: ['completed'] })).items,
      ).toHaveLength(1);
      expect(await store.campaignContacts.withStatus('c1', 'pending', 10)).toEqual([
        contact('c1', 1, '+33142685301'),
      ]);
      await expect(store.campaignContacts.page('c1', { limit: 5, cursor: 'bogus' })).rejects.toMatchObject({
        code: 'VALIDATION_ERROR',
      });
    });

    it('keeps the do-not-call list: first listing wins, paged by number', async () => {
      await store.dnc.add([
        { phoneNumber: '+33142685302', addedAt: '2026-01-05T09:00:00.000Z', reason: 'asked' },
        { phoneNumber: '+33142685301', addedAt: '2026-01-05T09:00:00.000Z' },
      ]);
      await store.dnc.add([{ phoneNumber: '+33142685302', addedAt: '2026-01-06T09:00:00.000Z' }]);
      expect(await store.dnc.has('+33142685302')).toBe(true);
      expect(await store.dnc.has('+33142685303')).toBe(false);
      expect(await store.dnc.listed(['+33142685303', '+33142685302'])).toEqual(new Set(['+33142685302']));
      expect(await store.dnc.listed([])).toEqual(new Set());
      const page = await store.dnc.list({ limit: 1 });
      expect(page.items).toEqual([{ phoneNumber: '+33142685301', addedAt: '2026-01-05T09:00:00.000Z' }]);
      const next = await store.dnc.list({ limit: 5, cursor: page.nextCursor as string });
      expect(next).toEqual({
        items: [{ phoneNumber: '+33142685302', addedAt: '2026-01-05T09:00:00.000Z', reason: 'asked' }],
      });
      expect(await store.dnc.remove('+33142685302')).toBe(true);
      expect(await store.dnc.remove('+33142685302')).toBe(false);
    });
  });
}
