import type { NewDomainEvent } from '../../core/events.ts';
import type { EmergencyEventDataMap, EmergencySnapshot } from './events.ts';

/** The one place the emergency app publishes its events; each carries the emergency as it is now. */
export class EmergencyNotifier {
  constructor(private readonly publish: (event: NewDomainEvent) => Promise<unknown>) {}

  /** A driver's panic button raised it. */
  raised(emergency: EmergencySnapshot): Promise<unknown> {
    return this.send('emergency.raised', emergency);
  }

  /** Nobody took it in time: everyone on duty is rung. */
  escalated(emergency: EmergencySnapshot): Promise<unknown> {
    return this.send('emergency.escalated', emergency);
  }

  /** Offered, answered or ended. */
  updated(emergency: EmergencySnapshot): Promise<unknown> {
    return this.send('emergency.updated', emergency);
  }

  private send(type: keyof EmergencyEventDataMap, emergency: EmergencySnapshot): Promise<unknown> {
    return this.publish({ type, callId: emergency.callId, data: { emergency } });
  }
}
