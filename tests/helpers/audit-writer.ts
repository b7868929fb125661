// A separate process appending audit entries, to prove the chain holds across processes.
// usage: DATABASE_URL=… tsx tests/helpers/audit-writer.ts DURATION_MS
// Prints "ready" once connected, waits for a line on stdin, then keeps 5 writes in flight for
// DURATION_MS and prints "wrote N".
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { recordAudit } from '../../server/audit/audit.service';
import { openDatabase } from '../../server/db/database';

const durationMs = Number(process.argv[2] ?? 1000);
const database = openDatabase(process.env.DATABASE_URL as string);
await database.ping();
console.log('ready');
await once(process.stdin, 'data');
process.stdin.pause();
const until = Date.now() + durationMs;
let written = 0;
const write = async () => {
  await recordAudit(database.db, database.dialect, { action: 'visit.read', actor: { kind: 'system' }, targets: { visitId: randomUUID() } });
  written += 1;
};
while (Date.now() < until) await Promise.all([write(), write(), write(), write(), write()]);
await database.close();
console.log(`wrote ${written}`);
