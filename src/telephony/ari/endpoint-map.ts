import type { Address } from '../../core/call.ts';

/** How addresses become Asterisk dial strings. */
export interface EndpointMapOptions {
  /**
   * Dial string for phone numbers: `{number}` is the E.164 number (`+15551234567`), `{digits}` the same
   * without `+`. Default `PJSIP/{number}@trunk` (a PJSIP endpoint named `trunk`).
   */
  readonly trunk?: string;
  /**
   * Dial string for extensions and device names (`1001`, `dispatcher-001`): `{extension}` is the value.
   * Default `PJSIP/{extension}`. Addresses already written `TECH/resource` are dialled as they are.
   */
  readonly extension?: string;
}

export const DEFAULT_TRUNK = 'PJSIP/{number}@trunk';
export const DEFAULT_EXTENSION = 'PJSIP/{extension}';

const TECH_RESOURCE = /^[A-Za-z][A-Za-z0-9_-]*\/.+$/;

/** Checks a trunk dial string once, at configuration time; returns a message when it is unusable. */
export function checkTrunkTemplate(template: string): string | undefined {
  if (!template.includes('{number}') && !template.includes('{digits}')) {
    return `must contain {number} or {digits}, e.g. ${DEFAULT_TRUNK}`;
  }
  if (!TECH_RESOURCE.test(template)) return `must be TECH/resource, e.g. ${DEFAULT_TRUNK}`;
  return undefined;
}

/**
 * Maps agents' endpoints and phone numbers onto Asterisk endpoints: `PJSIP/1001` stays, `1001` becomes
 * `PJSIP/1001`, `+15551234567` becomes `PJSIP/+15551234567@trunk` (with the default templates).
 */
export class EndpointMap {
  private readonly trunk: string;
  private readonly extension: string;

  constructor(options: EndpointMapOptions = {}) {
    this.trunk = options.trunk ?? DEFAULT_TRUNK;
    this.extension = options.extension ?? DEFAULT_EXTENSION;
    const problem = checkTrunkTemplate(this.trunk);
    if (problem) throw new Error(`ARI trunk dial string "${this.trunk}" ${problem}`);
  }

  /** The dial string (`endpoint` parameter of POST /channels and redirect) for an address. */
  dialString(address: Address): string {
    const value = address.value.trim();
    if (address.kind === 'number') {
      return this.trunk.replaceAll('{number}', value).replaceAll('{digits}', value.replace(/^\+/, ''));
    }
    if (TECH_RESOURCE.test(value)) return value;
    return this.extension.replaceAll('{extension}', value);
  }
}
