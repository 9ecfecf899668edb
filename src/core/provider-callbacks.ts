/**
 * How a cloud provider's requests reach its driver. Providers call Switchboard back over HTTP (status
 * callbacks, the TwiML a call runs next); the API receives them under `/api/v1/telephony/<provider>/…`
 * and hands them over as they came, and the driver verifies them (a signature, a secret in the URL)
 * before it believes a word. The API knows nothing else of providers.
 */
export interface WebhookRequest {
  readonly method: 'GET' | 'POST';
  /** The path below `/api/v1/telephony/<provider>`, such as `/status`. */
  readonly path: string;
  /** The path and query the request was sent to, as received (what a signature covers, after the base URL). */
  readonly url: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** Form fields or a JSON object, as the provider posted them. */
  readonly body: Readonly<Record<string, unknown>>;
}

/** What the provider is answered: XML for the call to run, or an acknowledgement. */
export interface WebhookReply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** A driver that providers call back: which provider it is and how it answers them. */
export interface WebhookReceiver {
  /** The path segment its requests arrive under (`twilio`, `exotel`). */
  readonly provider: string;
  /** The public base URL the provider was given (what its requests are signed against), no trailing slash. */
  readonly publicBaseUrl: string;
  handleWebhook(request: WebhookRequest): Promise<WebhookReply>;
}

/** The path prefix of a provider's callbacks, below the public base URL. */
export const callbackPath = (provider: string): string => `/api/v1/telephony/${provider}`;

export const acknowledged = (): WebhookReply => ({ status: 204, contentType: 'text/plain', body: '' });

export const refused = (status: number, why: string): WebhookReply => ({
  status,
  contentType: 'text/plain',
  body: why,
});
