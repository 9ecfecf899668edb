import type { FastifyPluginAsync } from 'fastify';
import type { z } from 'zod';
import type { DomainEventDataMap, DomainEventType } from '../core/events.ts';

/**
 * The shape every app has. An app is one folder, `src/apps/<name>/`, with the same files where they
 * apply:
 *
 * - the service (`<name>-service.ts`, split by concern when it grows): the app's commands (what its
 *   routes call) and its reactions to domain events; it talks to calls only through the engine;
 * - `routes.ts`: thin Fastify routes that validate, call the service and shape the answer;
 * - `schemas.ts`: the zod schemas of its requests, answers and event payloads (one definition gives
 *   validation, types and the OpenAPI document), built from the shared pieces in `apps/http-kit/`;
 * - `events.ts`: its event types and payload types (no code), added to the core's
 *   `DomainEventDataMap` by module augmentation so that `DomainEvent` and the Socket.io event map
 *   know them while the core names no app;
 * - `notifier.ts`: the only place the app publishes events;
 * - its repository, where it stores something of its own;
 * - `app.ts`: a factory that builds the service and returns its `SwitchboardApp`.
 *
 * The composition root (`src/app.ts`) lists the apps; the API serves their routes and documents
 * their events without naming any of them.
 */
export interface SwitchboardApp {
  /** Short and lower-case (`acd`, `ivr`); names its figures under GET /health. */
  readonly name: string;
  /** Loads what the app keeps and starts following events; apps start in the order listed. */
  start(): Promise<void>;
  /** Stops the app's timers and reactions; called before the engine ends the live calls. */
  stop(): Promise<void>;
  /** Called once the engine has ended every live call, for apps that record how their calls ended. */
  afterCallsEnded?(): Promise<void>;
  /** Resolves when no work of the app is queued (the virtual clock waits for it). */
  idle(): Promise<void>;
  /** Whether work of the app is queued. */
  readonly busy: boolean;
  /** The app's HTTP routes; empty for an app without any. */
  readonly routes: readonly AppRoutes[];
  /** The payload schema of each event type the app publishes: Socket.io names, OpenAPI documents. */
  readonly events: AppEventSchemas;
  /** OpenAPI tags its routes use, with what each groups. */
  readonly tags?: readonly { readonly name: string; readonly description: string }[];
  /** Figures merged into GET /health under `name`. */
  readonly health?: () => unknown;
  /**
   * Call records of the app's own (the outbound service's call logs), which GET /api/v1/calls/:id
   * answers when the engine knows no call by that id; `schema` documents them.
   */
  readonly callRecords?: CallRecordSource;
}

/** Where GET /api/v1/calls/:id looks for an id the engine does not know. */
export interface CallRecordSource {
  readonly schema: z.ZodType;
  /** The record as clients read it, or undefined when the app has none by that id. */
  find(id: string): Promise<unknown>;
}

/**
 * A Fastify plugin of an app's routes and the API it belongs to: `/api/v1` (the JSON envelope, strict
 * `application/json`) or `/api/cti` (the mock-CTI contract: bare JSON, any body content type).
 */
export interface AppRoutes {
  readonly prefix: '/api/v1' | '/api/cti';
  readonly plugin: FastifyPluginAsync;
}

/** The payload schema of each of some event types; the mapped type ties each to its declared payload. */
export type EventDataSchemas<T extends DomainEventType> = {
  readonly [K in T]: z.ZodType<DomainEventDataMap[K]>;
};

/** Any app's event payload schemas, as the API reads them. */
export type AppEventSchemas = Readonly<Partial<Record<DomainEventType, z.ZodType>>>;
