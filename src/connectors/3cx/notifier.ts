import type { NewDomainEvent } from '../../core/events.ts';
import type { CallGroupAlert } from './events.ts';
import type { PbxCallView } from './pbx-call.ts';

/** The one place the 3CX connector publishes its events. */
export class ThreeCxNotifier {
  constructor(private readonly publish: (event: NewDomainEvent) => Promise<unknown>) {}

  logged(pbxCall: PbxCallView): Promise<unknown> {
    return this.publish({ type: 'threecx.call.logged', callId: pbxCall.callId, data: { pbxCall } });
  }

  raised(alert: CallGroupAlert): Promise<unknown> {
    return this.publish({ type: 'threecx.alert.raised', data: { alert } });
  }

  resolved(alert: CallGroupAlert): Promise<unknown> {
    return this.publish({ type: 'threecx.alert.resolved', data: { alert } });
  }
}
