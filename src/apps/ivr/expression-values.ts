/** The values IVR expressions work on, what they may ask of a session, and their syntax error. */

export type Value = null | boolean | number | string | readonly Value[] | { readonly [key: string]: Value };

/** What an expression may ask of the session that evaluates it. */
export interface EvalScope {
  /** A variable's value; undefined when the session has none. */
  variable(name: string): Value | undefined;
  /** How many times the session entered a node (counting the current visit). */
  visits(node: string): number;
  /** Whether the flow's named opening hours are open now. */
  open(hours: string): boolean;
  /** The session clock's time, epoch ms. */
  now(): number;
}

/** A syntax error, with the 1-based column where it was found. */
export class ExpressionError extends Error {
  constructor(
    message: string,
    readonly column: number,
  ) {
    super(message);
    this.name = 'ExpressionError';
  }
}
