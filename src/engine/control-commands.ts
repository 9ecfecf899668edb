import type { CallSnapshot } from '../core/call.ts';
import { SwitchboardError } from '../core/errors.ts';
import { requireCapability } from './capabilities.ts';
import type { CommandContext } from './command-context.ts';

/** Answer, and in-call control of the remote party: hold, unhold and DTMF (hang-up and transfer stay with the engine). */
export class ControlCommands {
  constructor(private readonly ctx: CommandContext) {}

  /** Answers a ringing inbound call (the server takes it; the caller stops hearing ringback). */
  answer(callId: string): Promise<CallSnapshot> {
    const { ops } = this.ctx;
    return this.ctx.command(callId, async (call) => {
      call.check('answer');
      const caller = call.legs.find((l) => l.role === 'caller' && l.live);
      if (call.direction !== 'inbound' || !caller) {
        throw new SwitchboardError(
          'INVALID_STATE',
          'Only a ringing inbound call can be answered by the server.',
          {
            callId,
            status: call.status,
            direction: call.direction,
          },
        );
      }
      await ops.deps.driver.answer(caller.id);
      ops.legAnswered(caller);
      call.apply('answer');
      call.answeredAt = ops.now();
      await ops.publish(call, 'call.answered');
    });
  }

  hold(callId: string): Promise<CallSnapshot> {
    const { ops } = this.ctx;
    return this.ctx.command(callId, async (call) => {
      call.check('hold');
      requireCapability(this.ctx.ops.deps.driver, 'hold', 'hold');
      await ops.deps.driver.hold(this.ctx.remoteLeg(call).id);
      call.apply('hold');
      call.heldAt = ops.deps.clock.now();
      await ops.publish(call, 'call.held');
    });
  }

  unhold(callId: string): Promise<CallSnapshot> {
    const { ops } = this.ctx;
    return this.ctx.command(callId, async (call) => {
      call.check('unhold');
      await ops.deps.driver.unhold(this.ctx.remoteLeg(call).id);
      call.apply('unhold');
      call.heldAt = undefined;
      await ops.publish(call, 'call.unheld');
    });
  }

  sendDtmf(callId: string, digits: string): Promise<CallSnapshot> {
    if (!/^[0-9*#A-D]{1,32}$/.test(digits)) {
      throw new SwitchboardError('VALIDATION_ERROR', 'digits: use 1 to 32 of 0-9, *, # and A-D.', {
        field: 'digits',
      });
    }
    const { ops } = this.ctx;
    return this.ctx.command(callId, async (call) => {
      call.check('send_dtmf');
      requireCapability(this.ctx.ops.deps.driver, 'dtmf', 'send DTMF');
      const remote = this.ctx.remoteLeg(call);
      await ops.deps.driver.sendDtmf(remote.id, digits);
      for (const digit of digits) {
        await ops.publish(call, 'call.dtmf', { digit, legId: remote.id, direction: 'out' });
      }
    });
  }
}
