import type { Selectable } from 'kysely';
import { SwitchboardError } from '../core/errors.ts';
import { checkLimit } from './checks.ts';
import type { CampaignContactsTable, DncNumbersTable, UseDb } from './schema.ts';
import type { CampaignContactRepository, DncEntry, DncRepository, StoredContact } from './types.ts';

const MAX_PAGE = 500;
const MAX_WITH_STATUS = 10_000;
/** 6 bound parameters per row keep a chunk far under SQLite's limit of 32 766 per statement. */
const ROWS_PER_INSERT = 500;

/** Campaign contacts over either backend (the contract is CampaignContactRepository's). */
export function createCampaignContactRepository(useDb: UseDb): CampaignContactRepository {
  return {
    async add(contacts) {
      const refused: StoredContact[] = [];
      for (let i = 0; i < contacts.length; i += ROWS_PER_INSERT) {
        const chunk = contacts.slice(i, i + ROWS_PER_INSERT);
        const inserted = await useDb()
          .insertInto('campaign_contacts')
          .values(chunk.map(toRow))
          // The unique (campaign, number) index decides, so two imports at once cannot both add a number.
          .onConflict((oc) => oc.columns(['campaign_id', 'phone_number']).doNothing())
          .returning('id')
          .execute();
        const added = new Set(inserted.map((row) => row.id));
        for (const contact of chunk) if (!added.has(contact.id)) refused.push(contact);
      }
      return refused;
    },

    async save(contact) {
      await useDb()
        .updateTable('campaign_contacts')
        .set({ status: contact.status, document: JSON.stringify(contact) })
        .where('id', '=', contact.id)
        .execute();
    },

    async get(id) {
      const row = await useDb()
        .selectFrom('campaign_contacts')
        .select('document')
        .where('id', '=', id)
        .executeTakeFirst();
      return row === undefined ? undefined : (JSON.parse(row.document) as StoredContact);
    },

    async page(campaignId, filter) {
      const limit = checkLimit(filter.limit, MAX_PAGE);
      if (filter.status !== undefined && filter.status.length === 0) return { items: [] };
      let query = useDb()
        .selectFrom('campaign_contacts')
        .select(['row_no', 'document'])
        .where('campaign_id', '=', campaignId);
      if (filter.status !== undefined) query = query.where('status', 'in', filter.status);
      if (filter.cursor !== undefined) query = query.where('row_no', '>', decodeRowCursor(filter.cursor));
      const rows = await query
        .orderBy('row_no', 'asc')
        .limit(limit + 1)
        .execute();
      const items = rows.slice(0, limit).map((row) => JSON.parse(row.document) as StoredContact);
      const last = rows[limit - 1];
      return rows.length > limit && last ? { items, nextCursor: encodeRowCursor(last.row_no) } : { items };
    },

    async lastRow(campaignId) {
      const row = await useDb()
        .selectFrom('campaign_contacts')
        .select((eb) => eb.fn.max('row_no').as('last'))
        .where('campaign_id', '=', campaignId)
        .executeTakeFirst();
      return Number(row?.last ?? 0);
    },

    async countByStatus(campaignId) {
      const rows = await useDb()
        .selectFrom('campaign_contacts')
        .select((eb) => ['status', eb.fn.countAll().as('n')])
        .where('campaign_id', '=', campaignId)
        .groupBy('status')
        .execute();
      return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
    },

    async withStatus(campaignId, status, limit) {
      const rows = await useDb()
        .selectFrom('campaign_contacts')
        .select('document')
        .where('campaign_id', '=', campaignId)
        .where('status', '=', status)
        .orderBy('row_no', 'asc')
        .limit(checkLimit(limit, MAX_WITH_STATUS))
        .execute();
      return rows.map((row) => JSON.parse(row.document) as StoredContact);
    },
  };
}

/** The do-not-call list over either backend (the contract is DncRepository's). */
export function createDncRepository(useDb: UseDb): DncRepository {
  return {
    async add(entries) {
      for (let i = 0; i < entries.length; i += ROWS_PER_INSERT) {
        await useDb()
          .insertInto('dnc_numbers')
          .values(
            entries.slice(i, i + ROWS_PER_INSERT).map((entry) => ({
              phone_number: entry.phoneNumber,
              added_at: entry.addedAt,
              reason: entry.reason ?? null,
            })),
          )
          .onConflict((oc) => oc.column('phone_number').doNothing())
          .execute();
      }
    },

    async remove(phoneNumber) {
      const result = await useDb()
        .deleteFrom('dnc_numbers')
        .where('phone_number', '=', phoneNumber)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async has(phoneNumber) {
      const row = await useDb()
        .selectFrom('dnc_numbers')
        .select('phone_number')
        .where('phone_number', '=', phoneNumber)
        .executeTakeFirst();
      return row !== undefined;
    },

    async listed(numbers) {
      const found = new Set<string>();
      for (let i = 0; i < numbers.length; i += ROWS_PER_INSERT) {
        const rows = await useDb()
          .selectFrom('dnc_numbers')
          .select('phone_number')
          .where('phone_number', 'in', numbers.slice(i, i + ROWS_PER_INSERT))
          .execute();
        for (const row of rows) found.add(row.phone_number);
      }
      return found;
    },

    async list(filter) {
      const limit = checkLimit(filter.limit, MAX_PAGE);
      let query = useDb().selectFrom('dnc_numbers').selectAll();
      if (filter.cursor !== undefined)
        query = query.where('phone_number', '>', decodeTextCursor(filter.cursor));
      const rows = await query
        .orderBy('phone_number', 'asc')
        .limit(limit + 1)
        .execute();
      const items = rows.slice(0, limit).map(dncEntry);
      const last = rows[limit - 1];
      return rows.length > limit && last
        ? { items, nextCursor: Buffer.from(last.phone_number).toString('base64url') }
        : { items };
    },
  };
}

function toRow(contact: StoredContact): CampaignContactsTable {
  return {
    id: contact.id,
    campaign_id: contact.campaignId,
    row_no: contact.row,
    phone_number: contact.phoneNumber,
    status: contact.status,
    document: JSON.stringify(contact),
  };
}

function dncEntry(row: Selectable<DncNumbersTable>): DncEntry {
  return {
    phoneNumber: row.phone_number,
    addedAt: row.added_at,
    ...(row.reason !== null && { reason: row.reason }),
  };
}

function encodeRowCursor(row: number): string {
  return Buffer.from(`r${row}`).toString('base64url');
}

function decodeRowCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString();
  const row = Number(text.slice(1));
  if (!text.startsWith('r') || !Number.isSafeInteger(row)) throw badCursor();
  return row;
}

function decodeTextCursor(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString();
  if (!text.startsWith('+')) throw badCursor();
  return text;
}

function badCursor(): SwitchboardError {
  return new SwitchboardError('VALIDATION_ERROR', 'The cursor is not one this server issued.', {
    field: 'cursor',
  });
}
