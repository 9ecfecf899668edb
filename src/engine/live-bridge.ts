import type { BridgeKind, BridgeSnapshot } from '../core/call.ts';
import { iso } from '../core/clock.ts';

/** A bridge of a call, as the engine holds it. Who is in it lives on each leg (`Leg.bridge`). */
export class LiveBridge {
  destroyedAt: number | undefined;

  constructor(
    readonly id: string,
    readonly kind: BridgeKind,
    readonly createdAt: number,
  ) {}

  get up(): boolean {
    return this.destroyedAt === undefined;
  }

  snapshot(members: readonly string[]): BridgeSnapshot {
    return {
      id: this.id,
      kind: this.kind,
      createdAt: iso(this.createdAt)!,
      ...(this.destroyedAt !== undefined && { destroyedAt: iso(this.destroyedAt) }),
      members,
    };
  }
}
