/**
 * medidrop's fleet layer: the flight state machine (pure reducer), delivery confirmation and
 * hand-over codes, alerts, the tracker (live state, fan-out, down-sampled track) and the flight
 * runner (run / abort / pause / resume / re-attach). See README "Flights".
 */
export * from './telemetry.js';
export * from './alerts.js';
export * from './delivery.js';
export * from './flight-state.js';
export * from './route-geometry.js';
export * from './store.js';
export * from './tracker.js';
export * from './flight-runner.js';
