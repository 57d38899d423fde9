/**
 * medidrop's MAVLink layer. `connect(url, opts)` gives a MavlinkConnection whose vehicles are
 * VehicleLinks (see ./types.ts for the contract).
 */
export * from './types.js';
export { connect, Connection, type ConnectOptionsExt, type LinkStats, type MavlinkConnectionExt } from './connection.js';
export { MavlinkVehicle, ReadyToArmError, MAV_CMD, TELEMETRY_MESSAGES, type VehicleOptions } from './vehicle.js';
export { parseConnectionUrl, formatConnectionTarget, ConnectionUrlError, type ConnectionTarget } from './url.js';
export { parseSigningKey, SignatureVerifier, SigningClock, signPacket } from './signing.js';
export { compareItems, normaliseFrame } from './compare.js';
export { validatePlan } from './plan-upload.js';
export { ParamError, PARAM_ALIASES } from './params.js';
export { MAV_RESULT_NAMES, type CommandOptions, type CommandIntArgs } from './commands.js';
export { PacketSplitter, Encoder, decodePacket, MSG, type RawPacket, type Message, type Fields } from './wire.js';
export { StatusTextJoiner, toVehicleEvent, ekfPositionOk } from './events.js';
