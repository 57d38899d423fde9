/**
 * The store: one repository per area, all on ONE connection (src/store/connection.ts) to SQLite or
 * PostgreSQL (src/store/engine.ts).
 * Every read and write of the medidrop database goes through them, and src/store is the only folder
 * that writes SQL; callers get typed records (src/store/records.ts), never rows. Work that must be
 * atomic across areas runs in `transaction(fn)` (nested calls join the outer transaction); everything
 * acknowledged to a caller has been committed (SQLite: WAL, synchronous=FULL; PostgreSQL:
 * synchronous_commit on).
 *
 *   users      users, sessions                          zoneMaps  zone_maps
 *   drones     drones                                   requests  drop_requests, idempotency_keys, handover_codes
 *   missions   missions, approvals                      flights   flights, flight_transitions, flight_alerts, deliveries
 *   track      track_points                             audit     audit_log (append-only)
 *   settings   settings                                 leases    drone_leases (which instance owns a drone's link)
 *   vehicleCommands  vehicle_commands (commands waiting for the owning instance)
 */
import type { Database } from 'better-sqlite3';
import { StoreConnection, type Clock } from './connection.js';
import { asEngine, type SqlEngine } from './engine.js';
import { AuditRepository } from './repos/audit.js';
import { DronesRepository } from './repos/drones.js';
import { FlightsRepository } from './repos/flights.js';
import { LeasesRepository } from './repos/leases.js';
import { MissionsRepository } from './repos/missions.js';
import { RequestsRepository } from './repos/requests.js';
import { SettingsRepository } from './repos/settings.js';
import { TrackRepository } from './repos/track.js';
import { UsersRepository } from './repos/users.js';
import { VehicleCommandsRepository } from './repos/vehicle-commands.js';
import { ZoneMapsRepository } from './repos/zone-maps.js';

export class Repositories {
  private readonly connection: StoreConnection;
  readonly users: UsersRepository;
  readonly zoneMaps: ZoneMapsRepository;
  readonly drones: DronesRepository;
  readonly requests: RequestsRepository;
  readonly missions: MissionsRepository;
  readonly flights: FlightsRepository;
  readonly track: TrackRepository;
  readonly audit: AuditRepository;
  readonly settings: SettingsRepository;
  readonly leases: LeasesRepository;
  readonly vehicleCommands: VehicleCommandsRepository;

  /** The engine the repositories run on (tests reach the tables through it). */
  readonly db: SqlEngine;

  constructor(db: SqlEngine | Database, clock?: Clock) {
    this.db = asEngine(db);
    const c = new StoreConnection(this.db, clock);
    this.connection = c;
    this.users = new UsersRepository(c);
    this.zoneMaps = new ZoneMapsRepository(c);
    this.drones = new DronesRepository(c);
    this.requests = new RequestsRepository(c);
    this.missions = new MissionsRepository(c);
    this.flights = new FlightsRepository(c);
    this.track = new TrackRepository(c);
    this.audit = new AuditRepository(c);
    this.settings = new SettingsRepository(c);
    this.leases = new LeasesRepository(c);
    this.vehicleCommands = new VehicleCommandsRepository(c);
  }

  /** The store clock's time, as the ISO string the records carry. */
  now(): string {
    return this.connection.now();
  }

  /** Run `fn` in one transaction across any repositories (nested calls join the outer one). */
  transaction<T>(fn: () => T): T {
    return this.connection.transaction(fn);
  }
}
