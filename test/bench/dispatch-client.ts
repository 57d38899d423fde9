/**
 * The load of the dispatch bench (dispatch.bench.ts), in its own process so that the client's work
 * does not share the service's event loop: GET /api/config every PROBE_MS for the whole run, and at
 * the same moment every drop-request creation at once plus, when given, one zone-map upload.
 * Reads its task as JSON on stdin; writes the latencies as JSON on stdout.
 */
interface Who {
  cookie: string;
  csrf: string;
}
export interface ClientTask {
  url: string;
  officer: Who;
  admin: Who;
  creations: unknown[];
  /** PUT /api/zone-map body (JSON text), or null. */
  zoneMap: string | null;
  probeMs: number;
}
export interface ClientResult {
  getMs: number[];
  createMs: number[];
  createCodes: Record<string, number>;
  zoneMapMs: number | null;
  zoneMapCode: number | null;
}

async function main(): Promise<void> {
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  const task = JSON.parse(input) as ClientTask;
  const headers = (w: Who) => ({ cookie: w.cookie, 'x-csrf-token': w.csrf, 'content-type': 'application/json' });
  const getMs: number[] = [];
  let probing = true;
  const probe = (async () => {
    // let the first GETs see the idle service
    while (probing) {
      const t0 = performance.now();
      const res = await fetch(`${task.url}/api/config`);
      await res.arrayBuffer();
      if (res.status === 200) getMs.push(performance.now() - t0);
      const wait = task.probeMs - (performance.now() - t0);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  })();
  await new Promise((r) => setTimeout(r, 200));
  const createCodes: Record<string, number> = {};
  const createMs: number[] = [];
  const creations = task.creations.map(async (body, i) => {
    const t0 = performance.now();
    const res = await fetch(`${task.url}/api/requests`, {
      method: 'POST',
      headers: { ...headers(task.officer), 'idempotency-key': `bench-${process.pid}-${i}-${Date.now()}` },
      body: JSON.stringify(body),
    });
    await res.arrayBuffer();
    createMs.push(performance.now() - t0);
    createCodes[res.status] = (createCodes[res.status] ?? 0) + 1;
  });
  let zoneMapMs: number | null = null;
  let zoneMapCode: number | null = null;
  const upload = (async () => {
    if (task.zoneMap === null) return;
    const t0 = performance.now();
    const res = await fetch(`${task.url}/api/zone-map`, { method: 'PUT', headers: headers(task.admin), body: task.zoneMap });
    await res.arrayBuffer();
    zoneMapMs = performance.now() - t0;
    zoneMapCode = res.status;
  })();
  await Promise.all([...creations, upload]);
  probing = false;
  await probe;
  const out: ClientResult = { getMs, createMs, createCodes, zoneMapMs, zoneMapCode };
  process.stdout.write(JSON.stringify(out));
}

main().catch((err: unknown) => {
  process.stderr.write(`dispatch-client: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
