import { DriverError, type DriverEvent, type DriverRecordings } from '../driver.ts';

/**
 * What the cloud drivers share: their listeners, being started (no connection is kept: a provider is
 * reached per request and calls back over HTTP), and refusing what their provider cannot do.
 */
export abstract class CloudDriverBase {
  abstract readonly name: string;
  /** Recording pauses and files: the engine records nothing on a cloud driver. */
  readonly recordings: DriverRecordings = {
    pause: async () => this.notSupported('pause recordings'),
    resume: async () => this.notSupported('resume recordings'),
    file: async () => this.notSupported('hand over recording files'),
    remove: async () => this.notSupported('remove recordings'),
  };
  protected started = false;
  private listeners: readonly ((event: DriverEvent) => void)[] = [];

  onEvent(listener: (event: DriverEvent) => void): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  emit(event: DriverEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  /** Marks the driver ready; the provider is reached per request, so this is when commands can go. */
  protected markStarted(): boolean {
    if (this.started) return false;
    this.started = true;
    this.emit({ type: 'driver.connected' });
    return true;
  }

  /** Stops taking commands; live calls are left to the provider (the engine ends them first). */
  protected markStopped(): boolean {
    if (!this.started) return false;
    this.started = false;
    this.emit({ type: 'driver.disconnected', reason: 'stopped' });
    return true;
  }

  protected assertStarted(): void {
    if (!this.started) throw new DriverError('unavailable', `the ${this.name} driver is not started`);
  }

  protected notSupported(what: string): never {
    throw new DriverError('not_supported', `the ${this.name} driver cannot ${what}`);
  }
}
