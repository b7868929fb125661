import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { ZodError } from 'zod';
import { EmailSchema, StaffRoleSchema } from '@shared/api/auth.schema';
import { CreateStaffRequestSchema, StaffNameSchema } from '@shared/api/staff.schema';
import { Auditor, type AuditContext } from '../audit/auditor';
import { ConfigError, loadConfig } from '../config';
import { openDatabase, type Database } from '../db/database';
import { migrateToLatest } from '../db/migrate';
import { listStaffMembers } from '../staff/staff.presenter';
import { createStaffAccount, inviteStaffMember, resetStaffPassword, updateStaffAccount, type StaffDeps } from '../staff/staff.service';
import { passwordProblem } from './password';
import { resetSecondFactor } from './totp.service';
import { revokeStaffSessions } from './session';
import { findStaffByEmail } from './staff.store';

const USAGE = `usage: npm run staff -- <command> [options]
  list                                                  every account: role, status, last sign-in, 2FA
  invite --email EMAIL --name "NAME" --role ROLE        new account; prints a one-time link to set a password
                                                        (asks for a missing email or name on a terminal)
  add --email EMAIL --name "NAME" --role ROLE --password-stdin
                                                        new account with a password read from stdin,
                                                        which must be changed at first sign-in
  reset-password --email EMAIL                          old password stops working, signed out; prints a new link
  deactivate --email EMAIL | reactivate --email EMAIL   and signs the account out everywhere
  reset-2fa --email EMAIL                               removes the second factor; signed out everywhere
ROLE is admin, scheduler or clinician. Creates and migrates the database if needed.`;

class UsageError extends Error {}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Asks on the terminal for a value not given as an option; without a terminal the option is required. */
async function ask(value: string | undefined, question: string, option: string): Promise<string | undefined> {
  if (value !== undefined || !process.stdin.isTTY) return value;
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return (await rl.question(question)).trim() || undefined;
  } catch {
    throw new UsageError(`--${option} is required`);
  } finally {
    rl.close();
  }
}

/** Changes made here are audited as the system: the shell's user is not a staff account. */
const CLI: AuditContext = { actor: { kind: 'system' } };

async function accountByEmail(database: Database, email: string | undefined) {
  if (!email) throw new UsageError('--email is required');
  const staff = await findStaffByEmail(database.db, EmailSchema.parse(email));
  if (!staff) throw new UsageError(`no account has the email ${email}`);
  return staff;
}

async function run(
  command: string,
  values: Record<string, string | boolean | undefined>,
  database: Database,
  deps: StaffDeps,
  ssoOnly: boolean,
): Promise<number> {
  const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  // The server refuses every password (one-time links included) while SSO_ONLY is set.
  const linkNote = () => {
    if (ssoOnly)
      console.log('SSO_ONLY is set: this link works only once it is unset; until then they sign in through the identity provider');
  };
  switch (command) {
    case 'list': {
      const rows = await listStaffMembers(database.db);
      const cells = rows.map((s) => [
        s.email,
        s.name,
        s.role,
        s.active ? 'active' : 'deactivated',
        s.passwordSet ? 'password set' : s.invitationExpiresAt ? 'invited' : 'no password',
        s.twoFactorEnabled ? '2FA on' : '2FA off',
        s.lastSignInAt ? `last sign-in ${s.lastSignInAt}` : 'never signed in',
      ]);
      const widths = cells[0]?.map((_, i) => Math.max(...cells.map((c) => (c[i] as string).length))) ?? [];
      for (const c of cells)
        console.log(
          c
            .map((v, i) => v.padEnd(widths[i] ?? 0))
            .join('  ')
            .trimEnd(),
        );
      if (!rows.length) console.log('no staff accounts yet');
      return 0;
    }
    case 'add':
    case 'invite': {
      const email = await ask(str('email'), 'Email: ', 'email');
      const name = await ask(str('name'), 'Full name: ', 'name');
      const input = CreateStaffRequestSchema.parse({ email, name, role: str('role') });
      if (values['password-stdin']) {
        const password = await readStdin();
        const weak = passwordProblem(password, [input.email, input.name]);
        if (weak) throw new UsageError(weak);
        const { staff } = await deps.auditor.transaction(async (trx) => {
          const created = await createStaffAccount(trx, input, password, { mustChangePassword: true });
          await deps.auditor.record(trx, CLI, { action: 'staff.created', targets: { staffId: created.staff.id } });
          return created;
        });
        console.log(`created ${staff.role} ${staff.email} (id ${staff.id}); the password must be changed at first sign-in`);
        return 0;
      }
      const { staff, invitation } = await inviteStaffMember(deps, CLI, input);
      console.log(`created ${staff.role} ${staff.email} (id ${staff.id})`);
      console.log(`one-time link to set a password (works once, until ${invitation.expiresAt}):\n  ${invitation.url}`);
      linkNote();
      return 0;
    }
    case 'reset-password': {
      const staff = await accountByEmail(database, str('email'));
      const result = await resetStaffPassword(deps, CLI, staff.id);
      if (!result) throw new UsageError(`no account has the email ${str('email')}`);
      console.log(`${staff.email}: old password removed, signed out everywhere`);
      console.log(`one-time link to set a new password (works once, until ${result.invitation.expiresAt}):\n  ${result.invitation.url}`);
      linkNote();
      return 0;
    }
    case 'deactivate':
    case 'reactivate': {
      const staff = await accountByEmail(database, str('email'));
      await updateStaffAccount(deps, CLI, staff.id, { active: command === 'reactivate' });
      console.log(`${staff.email}: ${command}d${command === 'deactivate' ? ', signed out everywhere' : ''}`);
      return 0;
    }
    case 'reset-2fa': {
      const staff = await accountByEmail(database, str('email'));
      await resetSecondFactor(deps, CLI, staff.id);
      console.log(`${staff.email}: second factor removed, signed out everywhere; they set it up again at their next sign-in`);
      return 0;
    }
    default:
      throw new UsageError(`unknown command ${command || '(none)'}`);
  }
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
  const command = positionals[0] ?? '';
  if (!['list', 'add', 'invite', 'reset-password', 'deactivate', 'reactivate', 'reset-2fa'].includes(command)) {
    console.error(USAGE);
    return 2;
  }
  if (values.role !== undefined) StaffRoleSchema.parse(values.role);
  if (values.name !== undefined) StaffNameSchema.parse(values.name);
  const config = loadConfig();
  const database = openDatabase(config.databaseUrl);
  try {
    await migrateToLatest(database);
    const auditor = new Auditor(database.db, database.dialect);
    // The CLI is its own process: sessions end in the database at once (every request and socket
    // handshake checks them); sockets already open on a running server notice at their next check.
    const signOut = {
      revokeAllForStaff: (id: string) => revokeStaffSessions(database.db, id),
      revoke: async () => undefined,
    };
    return await run(
      command,
      values,
      database,
      {
        db: database.db,
        auditor,
        publicUrl: config.publicUrl,
        inviteHours: config.staffInviteHours,
        signOut,
      },
      config.ssoOnly,
    );
  } finally {
    await database.close();
  }
}

try {
  process.exit(await main());
} catch (err) {
  if (err instanceof ZodError) {
    for (const i of err.issues) console.error(`error: ${i.path.length ? `--${i.path.join('.')}: ` : ''}${i.message}`);
    console.error(USAGE);
    process.exit(2);
  } else if (err instanceof UsageError) {
    console.error(`error: ${err.message}`);
    process.exit(2);
  } else if (err instanceof ConfigError) {
    console.error(err.message);
  } else if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' || (err as { code?: string }).code === '23505') {
    console.error('error: an account with that email already exists');
  } else {
    console.error(`error: ${(err as Error).message}`);
  }
  process.exit(1);
}
