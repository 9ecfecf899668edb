import type { DriverEvent } from '../driver.ts';

/**
 * The simulated phones' registration: a phone is registered until told otherwise (a simulator control
 * unregisters it), and each change is one `endpoint.state`, named as the endpoint was dialled.
 */
export class SimPhones {
  private readonly registered = new Map<string, boolean>();
  private readonly reported = new Map<string, boolean>();

  constructor(private readonly emit: (event: DriverEvent) => void) {}

  /** Starts reporting a phone: its current state follows as an event, unless already reported. */
  watch(endpoint: string): string {
    this.report(endpoint, this.registered.get(endpoint) ?? true);
    return endpoint;
  }

  /** The phone registers (`true`) or leaves (`false`). */
  set(endpoint: string, registered: boolean): void {
    this.registered.set(endpoint, registered);
    this.report(endpoint, registered);
  }

  private report(endpoint: string, registered: boolean): void {
    if (this.reported.get(endpoint) === registered) return;
    this.reported.set(endpoint, registered);
    this.emit({ type: 'endpoint.state', endpoint, registered });
  }
}
