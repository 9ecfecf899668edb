import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GENERATED, liveOpenApiDocument, renderSdk } from '../../scripts/sdk-codegen.ts';

const ROOT = resolve(import.meta.dirname, '../..');

describe('the SDK against the routes', () => {
  it('its generated types and operations are those of a live server (npm run sdk:generate updates them)', async () => {
    const fresh = await renderSdk(await liveOpenApiDocument());
    for (const [name, path] of Object.entries(GENERATED)) {
      const committed = readFileSync(join(ROOT, path), 'utf8');
      // A boolean, not a diff of thousands of lines: the message says what to do.
      expect(
        committed === fresh[name as keyof typeof GENERATED],
        `${path} differs from what the server's routes give: run \`npm run sdk:generate\` and commit it`,
      ).toBe(true);
    }
  }, 30_000);
});
