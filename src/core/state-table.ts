import { SwitchboardError } from './errors.ts';

/**
 * A state machine as data: row = the current state, column = what happens, cell = the next state. A
 * missing cell is an illegal move.
 */
export type StateTable<S extends string, C extends string> = Readonly<Record<S, Partial<Record<C, S>>>>;

/** What an INVALID_STATE error says about an illegal move, given the states it would be legal from. */
export type Refusal<S extends string> = (allowedFrom: readonly S[]) => {
  readonly message: string;
  readonly details: Readonly<Record<string, unknown>>;
};

/** The states from which `command` is legal, in the table's order. */
export function statesAllowing<S extends string, C extends string>(table: StateTable<S, C>, command: C): S[] {
  return (Object.keys(table) as S[]).filter((state) => table[state][command] !== undefined);
}

/**
 * The state after `command`, or INVALID_STATE (worded by `refuse`, which names the current state), never
 * a silent no-op.
 */
export function nextState<S extends string, C extends string>(
  table: StateTable<S, C>,
  state: S,
  command: C,
  refuse: Refusal<S>,
): S {
  const next = table[state][command];
  if (next !== undefined) return next;
  const { message, details } = refuse(statesAllowing(table, command));
  throw new SwitchboardError('INVALID_STATE', message, details);
}
