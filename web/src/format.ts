import { useEffect, useState } from 'react';
import { useLive } from './connection.tsx';
import type { Call } from './live-store.ts';

/** `75` → `1:15`; `3700` → `1:01:40`. */
export function clockText(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const seconds = String(s % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

export function timeText(iso: string | undefined): string {
  return iso ? new Date(iso).toLocaleTimeString() : '';
}

/** A link to the place on OpenStreetMap (no key, no tracking script). */
export function mapLink(location: { lat: number; lng: number }): string {
  return `https://www.openstreetmap.org/?mlat=${location.lat}&mlon=${location.lng}#map=16/${location.lat}/${location.lng}`;
}

/**
 * The current time on the server's clock, ticking each second. A virtual clock moves only when told
 * (the simulator panel, a test), so there the time is that of the last event, and stands still between.
 */
export function useServerNow(): number {
  const { state, virtualClock } = useLive();
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (virtualClock) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [virtualClock]);
  return virtualClock ? state.lastEventAt : now + state.clockOffsetMs;
}

/** Seconds of talk: the record's own figure once ended, else counted from the answer. */
export function talkSeconds(call: Call, serverNow: number): number | undefined {
  if (call.status === 'ended' || call.status === 'failed') return call.duration;
  if (!call.answeredAt) return undefined;
  return (serverNow - Date.parse(call.answeredAt)) / 1000;
}

export const STATUS_TEXT: Record<Call['status'], string> = {
  queued: 'Queued',
  ringing: 'Ringing',
  answered: 'Answered',
  on_hold: 'On hold',
  transferring: 'Transferring',
  ended: 'Ended',
  failed: 'Failed',
};

/** What an emergency call carries in its context (the panic button's alert). */
export interface EmergencyContext {
  readonly driverId?: string | number;
  readonly driverName?: string;
  readonly vehiclePlate?: string;
  readonly location?: { lat: number; lng: number };
}

export function emergencyOf(call: Call): EmergencyContext | undefined {
  const emergency = (call.context as { emergency?: EmergencyContext }).emergency;
  return call.flags?.emergency || emergency ? (emergency ?? {}) : undefined;
}
