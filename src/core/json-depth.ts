/**
 * How deeply a parsed JSON value nests: 0 for a scalar, 1 for `{}` or `[]`, one more per level inside.
 * Walks with its own stack, never recursion, so a hostile 20,000-level body cannot overflow the call
 * stack here; it stops counting once past `limit`, so a deep value costs no more than a shallow one.
 */
export function jsonDepth(value: unknown, limit = Number.POSITIVE_INFINITY): number {
  let deepest = 0;
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    const here = depth + 1;
    if (here > deepest) deepest = here;
    if (deepest > limit) return deepest;
    for (const child of Object.values(current)) stack.push({ value: child, depth: here });
  }
  return deepest;
}
