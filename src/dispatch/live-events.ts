/**
 * The live flight payloads: what the flight manager publishes on the event bus while a flight runs
 * and what GET /api/flights/:id/events sends (the API contract, src/web/api-types.ts, re-exports
 * them). Times are ISO-8601 strings in UTC.
 */
import type { FlightStatus } from '../domain/words.js';

export interface FlightPosition {
  t: string;
  lat: number;
  lon: number;
  relAltM: number;
  groundSpeedMs: number;
  headingDeg: number;
}

export interface FlightAlertView {
  /** 'link-lost' | 'battery-low' | 'off-route' | 'fence-breach' | 'mode-change' | 'failsafe' | 'mission-mismatch' | … */
  kind: string;
  /** What the alert says, as a stable code the pages translate with `params` (src/fleet/alerts.ts ALERT_CODES). */
  code: string;
  /** Its numbers and names: battery %, metres, the vehicle's own text … */
  params: Record<string, string | number | boolean>;
  severity: 'info' | 'warning' | 'critical';
  /** English (logs, API consumers). */
  message: string;
  at: string;
}

export interface FlightTransitionView {
  from: FlightStatus | null;
  to: FlightStatus;
  at: string;
  cause: string;
}

/** Upload/arming progress while 'uploading'…'arming': e.g. phase 'upload' 12 / 20. */
export interface FlightProgressView {
  phase: string;
  done: number;
  total: number;
}

/** Where and when the parcel was released, and when the recipient confirmed it. */
export interface FlightDeliveryView {
  at: string;
  lat: number;
  lon: number;
  /** The drop point of the mission that flew (null for deliveries stored before it was kept). */
  dropPoint: { lat: number; lon: number } | null;
  distanceM: number;
  confirmedAt: string | null;
}

/** What a live flight publishes, by SSE event name (GET /api/flights/:id/events adds a first `snapshot`). */
export interface FlightLiveEvents {
  position: FlightPosition & { routeFraction: number; eta: string | null; etaTo: 'drop' | 'home' | null };
  state: FlightTransitionView;
  battery: { t: string; remainingPct: number; voltageV: number };
  link: { t: string; up: boolean };
  mode: { t: string; mode: string };
  alert: FlightAlertView;
  progress: FlightProgressView;
  delivery: FlightDeliveryView;
  /** Paused/resumed by the pilot. */
  paused: { paused: boolean; by: string; at: string };
}
