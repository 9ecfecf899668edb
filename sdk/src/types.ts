import type { components, operations } from './generated/openapi.ts';
import type { OPERATIONS } from './generated/operations.ts';

/** The schemas of the API by name (`Schemas['CallSnapshot']`, `Schemas['Agent']`, ...). */
export type Schemas = components['schemas'];
/** Every error code of the server's catalogue. */
export type ErrorCode = Schemas['ErrorCode'];
/** Every operation of the API by its operationId. */
export type OperationId = keyof typeof OPERATIONS & keyof operations;

/** Any domain event, as Socket.io delivers it and `GET /api/v1/events` lists it. */
export type DomainEvent = Schemas['DomainEvent'];
export type EventType = DomainEvent['type'];
/** The event of one type: `EventOf<'call.answered'>`. */
export type EventOf<T extends EventType> = Extract<DomainEvent, { type: T }>;

type Op<K extends OperationId> = operations[K];
type Defined<T> = Exclude<T, undefined>;

type PathArgs<O> = O extends { parameters: { path: infer P } } ? { path: P } : unknown;
type QueryArgs<O> = O extends { parameters: { query: infer Q } }
  ? { query: Q }
  : O extends { parameters: { query?: infer Q } }
    ? [Defined<Q>] extends [never]
      ? unknown
      : { query?: Defined<Q> }
    : unknown;
type BodyArgs<O, Method> = O extends { requestBody: { content: { 'application/json': infer B } } }
  ? null extends B
    ? // A body that may be null (a bodiless POST is read as null) may be left out.
      { body?: B }
    : { body: B }
  : O extends { requestBody?: { content: { 'application/json': infer B } } }
    ? { body?: B }
    : Method extends 'POST' | 'PUT' | 'PATCH'
      ? // A route that checks its body itself (an IVR flow) documents none: any JSON goes.
        { body?: unknown }
      : unknown;
type IdempotencyArgs<O> = O extends { parameters: { header?: { 'idempotency-key'?: string } } }
  ? [Defined<O['parameters']['header']>] extends [never]
    ? unknown
    : {
        /** Makes a retry safe: the same key within 24 h answers the first answer again. */
        idempotencyKey?: string;
      }
  : unknown;

/** What a call of operation `K` takes: its path parameters, query, body and headers, as the routes declare them. */
export type Args<K extends OperationId> = PathArgs<Op<K>> &
  QueryArgs<Op<K>> &
  BodyArgs<Op<K>, (typeof OPERATIONS)[K]['method']> &
  IdempotencyArgs<Op<K>> & {
    /** Aborts the request. */
    signal?: AbortSignal;
  };

type SuccessStatus = 200 | 201 | 202;
type SuccessContent<O> = O extends { responses: infer R }
  ? R[Extract<keyof R, SuccessStatus>] extends { content: infer C }
    ? C
    : never
  : never;
type Unwrapped<B> = B extends { success: true; data: infer D } ? D : B;

/**
 * What operation `K` answers on success: the `data` of an `/api/v1` envelope, the bare object of a
 * mock-CTI route, the bytes of a file (a recording) or text (Prometheus metrics, a CSV export).
 */
export type Result<K extends OperationId> =
  SuccessContent<Op<K>> extends infer C
    ? [C] extends [never]
      ? string
      : C extends { 'application/json': infer B }
        ? Unwrapped<B>
        : [Extract<keyof C, `text/${string}`>] extends [never]
          ? ArrayBuffer
          : string
    : never;

/** Whether every argument of `K` is optional (so the call may omit them). */
type AllOptional<K extends OperationId> = object extends Args<K> ? true : false;

/** One method per operation, named by its operationId: `api.originateCall({ body: { to } })`. */
export type Operations = {
  [K in OperationId]: AllOptional<K> extends true
    ? (args?: Args<K>) => Promise<Result<K>>
    : (args: Args<K>) => Promise<Result<K>>;
};
