/**
 * Who may see which drop request and flight: officers see their own requests (and the flights that
 * serve them) only; others are "not found", not "forbidden", so ids cannot be probed. Pilots and
 * admins see everything.
 */
import { notFound } from '../dispatch/errors.js';
import type { Repositories } from '../store/repositories.js';
import type { DropRequestRecord, ServiceFlight, UserRecord } from '../store/records.js';

export function mayFollowRequest(repos: Repositories, user: UserRecord, requestId: number): boolean {
  return user.role !== 'officer' || repos.requests.byId(requestId)?.officerId === user.id;
}

export function visibleRequest(repos: Repositories, user: UserRecord, id: number): DropRequestRecord {
  const r = repos.requests.byId(id);
  if (!r || (user.role === 'officer' && r.officerId !== user.id)) throw notFound(`drop request ${id}`);
  return r;
}

export function visibleFlight(repos: Repositories, user: UserRecord, id: number): ServiceFlight {
  const f = repos.flights.byId(id);
  if (!f || !mayFollowRequest(repos, user, f.requestId)) throw notFound(`flight ${id}`);
  return f;
}
