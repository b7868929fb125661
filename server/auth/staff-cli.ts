import { parseArgs } from 'node:util';
import { ZodError } from 'zod';
import { CreateStaffRequestSchema } from '@shared/api/staff.schema';
import { ConfigError, loadConfig } from '../config';
import { openDatabase } from '../db/database';
import { migrateToLatest } from '../db/migrate';
import { createStaffAccount } from '../staff/staff.service';

const USAGE = 'usage: npm run staff -- add --email EMAIL --name "NAME" --role admin|scheduler|clinician [--password-stdin]';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      email: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string' },
      'password-stdin': { type: 'boolean', default: false },
    },
  });
  if (positionals[0] !== 'add') {
    console.error(USAGE);
    return 2;
  }
  const input = CreateStaffRequestSchema.parse({ email: values.email, name: values.name, role: values.role });
  let password: string | undefined;
  if (values['password-stdin']) {
    password = await readStdin();
    if (password.length < 12) {
      console.error('error: the password must be at least 12 characters');
      return 2;
    }
  }
  const config = loadConfig();
  const database = openDatabase(config.databaseUrl);
  try {
    await migrateToLatest(database);
    const result = await createStaffAccount(database.db, input, password);
    console.log(`created ${result.staff.role} ${result.staff.email} (id ${result.staff.id})`);
    if (!values['password-stdin']) console.log(`password: ${result.password}`);
    return 0;
  } finally {
    await database.close();
  }
}

try {
  process.exit(await main());
} catch (err) {
  if (err instanceof ZodError) {
    for (const i of err.issues) console.error(`error: --${i.path.join('.')}: ${i.message}`);
    console.error(USAGE);
  } else if (err instanceof ConfigError) {
    console.error(err.message);
  } else if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' || (err as { code?: string }).code === '23505') {
    console.error('error: an account with that email already exists');
  } else {
    console.error(`error: ${(err as Error).message}`);
  }
  process.exit(1);
}
