import type { DriverEvent } from '../driver.ts';

/**
 * Phones' registration as the driver last reported it, by endpoint (`PJSIP/1003`). Asterisk tells one
 * change up to three times (PeerStatusChange, ContactStatusChange and, when subscribed to the endpoint,
 * EndpointStateChange): only a change is reported.
 */
export class Registrations {
  private readonly known = new Map<string, boolean>();
  /** Events seen per endpoint, so that an answer to GET /endpoints older than an event is not used. */
  private readonly heard = new Map<string, number>();

  constructor(private readonly emit: (event: DriverEvent) => void) {}

  /** What an endpoint event says (`online`/`offline`). */
  heardOf(endpoint: string, registered: boolean): void {
    this.heard.set(endpoint, this.version(endpoint) + 1);
    this.report(endpoint, registered);
  }

  /** How many events have been heard of the endpoint: compare before and after asking its state. */
  version(endpoint: string): number {
    return this.heard.get(endpoint) ?? 0;
  }

  /** Reports the state if it differs from the last one reported. */
  report(endpoint: string, registered: boolean): void {
    if (this.known.get(endpoint) === registered) return;
    this.known.set(endpoint, registered);
    this.emit({ type: 'endpoint.state', endpoint, registered });
  }
}
