import { gzipSync } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig, type Plugin } from 'vite';

/** The console's budget: JavaScript loaded by the first page, gzipped. */
const FIRST_LOAD_BUDGET_BYTES = 300 * 1024;

/** Prints the JavaScript the first load fetches (gzip) and fails the build past the budget. */
function firstLoadBudget(): Plugin {
  return {
    name: 'switchboard-first-load-budget',
    apply: 'build',
    generateBundle(_options, bundle) {
      let total = 0;
      const lines: string[] = [];
      for (const file of Object.values(bundle)) {
        // Every chunk but lazy ones (none yet) loads with the first page.
        if (file.type !== 'chunk' || file.isDynamicEntry) continue;
        const size = gzipSync(file.code).length;
        total += size;
        lines.push(`  ${file.fileName}  ${(size / 1024).toFixed(1)} kB gzip`);
      }
      const summary = `console: first load ${(total / 1024).toFixed(1)} kB of JavaScript gzip (budget ${FIRST_LOAD_BUDGET_BYTES / 1024} kB)`;
      process.stdout.write(`${lines.join('\n')}\n${summary}\n`);
      if (total > FIRST_LOAD_BUDGET_BYTES) this.error(`${summary}: over budget`);
    },
  };
}

export default defineConfig({
  plugins: [react(), firstLoadBudget()],
  // `source`: the SDK is read from its TypeScript (sdk/src), not from a build of it.
  resolve: { conditions: ['source', ...defaultClientConditions] },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
});
