import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// `source`: in this repository the SDK is read from its TypeScript (sdk/src), not its build (sdk/dist).
// Not `module`: it would point Node at packages' bundler-only builds (@opentelemetry/api's build/esm
// imports files without extensions, which Node cannot load).
const conditions = ['source', ...defaultServerConditions.filter((c) => c !== 'module')];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['test/**/*.test.ts', 'sdk/test/**/*.test.ts', 'web/test/**/*.test.ts'],
    // Each file gets its own server, database file and PostgreSQL schema, so files run in parallel.
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
