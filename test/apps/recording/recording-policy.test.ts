import { describe, expect, it } from 'vitest';
import { policyReason } from '../../../src/apps/recording/recording-policy.ts';
import type { CallSnapshot } from '../../../src/core/call.ts';
import type { RecordingPolicy } from '../../../src/core/recording.ts';

const call = (overrides: Partial<CallSnapshot> = {}): CallSnapshot => ({
  id: 'c1',
  direction: 'inbound',
  status: 'answered',
  from: '+14155550123',
  to: '+13125550100',
  context: {},
  legs: [],
  startedAt: '2026-01-05T09:00:00.000Z',
  ...overrides,
});

const policies = (queue?: RecordingPolicy, route?: RecordingPolicy) => ({
  queue: () => queue,
  route: () => route,
});

describe('recording policy', () => {
  it('records emergencies and flagged calls always, whatever the queue says', () => {
    const never = policies({ enabled: false }, { enabled: false });
    expect(policyReason(call({ flags: { emergency: true, recording: true } }), never, () => 0.99)).toBe(
      'emergency',
    );
    expect(policyReason(call({ flags: { recording: true } }), never, () => 0.99)).toBe('flagged');
    expect(policyReason(call({ queueId: 'q' }), never, () => 0)).toBeUndefined();
  });

  it('samples the share a queue or a route asks for', () => {
    const half = { enabled: true, samplePercent: 50 };
    expect(policyReason(call({ queueId: 'q' }), policies(half), () => 0.49)).toBe('queue');
    expect(policyReason(call({ queueId: 'q' }), policies(half), () => 0.5)).toBeUndefined();
    // A queue's sample that missed still lets the route's policy record the call.
    expect(policyReason(call({ queueId: 'q' }), policies(half, { enabled: true }), () => 0.5)).toBe('route');
    expect(
      policyReason(call(), policies(undefined, { enabled: true, samplePercent: 0 }), () => 0),
    ).toBeUndefined();
    // Routes are for inbound calls only.
    expect(
      policyReason(call({ direction: 'outbound' }), policies(undefined, { enabled: true }), () => 0),
    ).toBeUndefined();
  });
});
