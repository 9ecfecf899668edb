import type { CompiledPrompt } from '../prompts.ts';
import type { NodeInput, NodeRun } from './types.ts';

/** How a `gather` or a `menu` asks the caller for digits. */
export interface AskRules {
  readonly prompt: CompiledPrompt;
  readonly noInput: CompiledPrompt | undefined;
  readonly noMatch: CompiledPrompt | undefined;
  /** Asks again this often after no input or no match. */
  readonly retries: number;
  readonly maxDigits: number;
  readonly finishKey: string | null;
  readonly firstDigitTimeoutMs: number;
  readonly interDigitTimeoutMs: number;
  /** Whether complete input is valid (length, pattern, a menu option). */
  readonly accept: (digits: string) => boolean;
}

/** The outcome of asking: valid digits, or no valid input after every retry. */
export type AskOutcome = { readonly digits: string } | { readonly failed: true } | undefined;

interface AskState {
  attempt: number;
  digits: string;
  /** Prompts still to play before listening (a retry prompt, then the question again). */
  pending: CompiledPrompt[];
  /** Whether a prompt is playing: the caller's first key stops it (barge-in). */
  speaking: boolean;
}

/**
 * Asks the caller and collects digits. The question plays, and the caller may answer while it plays;
 * once it has played, the first-digit timeout runs; after each digit the inter-digit timeout runs.
 * The finish key, the maximum length or the inter-digit timeout complete the input. No input, or input
 * that is not accepted, plays the matching retry prompt and the question again, `retries` times.
 */
export class Asker {
  constructor(private readonly rules: AskRules) {}

  async start(run: NodeRun): Promise<AskOutcome> {
    const state: AskState = { attempt: 1, digits: '', pending: [this.rules.prompt], speaking: false };
    run.session.state = state;
    run.session.vars.attempt = 1;
    await this.playNext(run, state);
    return undefined;
  }

  async on(run: NodeRun, input: NodeInput): Promise<AskOutcome> {
    const state = run.session.state as AskState;
    switch (input.type) {
      case 'played':
        state.speaking = false;
        await this.playNext(run, state);
        return undefined;
      case 'timer':
        // `first`: nothing pressed after the question; `inter`: the caller stopped pressing.
        return input.name === 'first' ? this.retry(run, state, 'no_input') : this.complete(run, state);
      case 'digit':
        return this.digit(run, state, input.digit);
      default:
        return undefined;
    }
  }

  private async digit(run: NodeRun, state: AskState, digit: string): Promise<AskOutcome> {
    if (state.speaking || state.pending.length > 0) {
      state.pending = [];
      state.speaking = false;
      await run.stopPlayback();
    }
    run.cancelTimer('first');
    if (digit === this.rules.finishKey) return this.complete(run, state);
    state.digits += digit;
    if (state.digits.length >= this.rules.maxDigits) return this.complete(run, state);
    run.timer('inter', this.rules.interDigitTimeoutMs);
    return undefined;
  }

  private async complete(run: NodeRun, state: AskState): Promise<AskOutcome> {
    run.cancelTimer('inter');
    const digits = state.digits;
    if (digits === '') return this.retry(run, state, 'no_input');
    if (!this.rules.accept(digits)) return this.retry(run, state, 'no_match', digits);
    await run.input({ result: 'digits', digits, attempt: state.attempt });
    return { digits };
  }

  private async retry(
    run: NodeRun,
    state: AskState,
    result: 'no_input' | 'no_match',
    digits?: string,
  ): Promise<AskOutcome> {
    await run.input({ result, attempt: state.attempt, ...(digits !== undefined && { digits }) });
    if (state.attempt > this.rules.retries) {
      await run.input({ result: 'failed', attempt: state.attempt });
      return { failed: true };
    }
    state.attempt++;
    run.session.vars.attempt = state.attempt;
    state.digits = '';
    const sorry = result === 'no_input' ? this.rules.noInput : this.rules.noMatch;
    state.pending = sorry ? [sorry, this.rules.prompt] : [this.rules.prompt];
    await this.playNext(run, state);
    return undefined;
  }

  private async playNext(run: NodeRun, state: AskState): Promise<void> {
    const next = state.pending.shift();
    if (next === undefined) {
      run.timer('first', this.rules.firstDigitTimeoutMs);
      return;
    }
    state.speaking = true;
    await run.play(next);
  }
}
