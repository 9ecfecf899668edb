/** An engine time (epoch ms) as clients see it: ISO-8601, or absent. */
export const iso = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString();
