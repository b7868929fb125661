import { ConfigError, loadConfig } from '../config';
import { openDatabase } from '../db/database';
import { migrateToLatest } from '../db/migrate';
import { verifyAuditChain } from './audit.service';
import { Auditor } from './auditor';

/**
 * `npm run audit:verify`: checks every audit hash chain of the database named by
 * DATABASE_URL. Exit 0 when intact, 1 naming the first broken entry, 2 on a configuration error.
 */
async function main(): Promise<number> {
  const config = loadConfig();
  const database = openDatabase(config.databaseUrl);
  try {
    await migrateToLatest(database);
    const result = await verifyAuditChain(database.db);
    await new Auditor(database.db, database.dialect).record(
      database.db,
      { actor: { kind: 'system' } },
      { action: 'audit.verified', outcome: result.ok ? 'success' : 'failure' },
    );
    if (result.ok) {
      console.log(
        `audit trail intact: ${result.entries} entries${result.headHash ? ` in ${result.chains?.length ?? 1} chains, heads digest ${result.headHash}` : ''}`,
      );
      // Each chain's head, to write down elsewhere: a later run that no longer finds one has lost entries.
      for (const c of result.chains ?? []) console.log(`  chain ${c.chain}: ${c.entries} entries, head ${c.headHash ?? '-'}`);
      return 0;
    }
    console.error(`audit trail BROKEN at entry ${result.firstBrokenSeq} (id ${result.firstBrokenId}): ${result.reason}`);
    console.error(`${result.entries} entries before it verified.`);
    return 1;
  } finally {
    await database.close();
  }
}

try {
  process.exit(await main());
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : `error: ${(err as Error).message}`);
  process.exit(2);
}
