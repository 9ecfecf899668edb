export { type ClientOptions, createClient, type SwitchboardClient } from './client.ts';
export { isApiError, SwitchboardApiError } from './errors.ts';
export type { EventStream, EventStreamOptions, StreamError, StreamStatus } from './events.ts';
export { OPERATIONS } from './generated/operations.ts';
export type {
  Args,
  DomainEvent,
  ErrorCode,
  EventOf,
  EventType,
  OperationId,
  Operations,
  Result,
  Schemas,
} from './types.ts';
