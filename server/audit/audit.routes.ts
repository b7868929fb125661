import { Router } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { AuditFilterSchema, AuditListQuerySchema } from '@shared/api/audit.schema';
import { requireStaff } from '../auth/auth.middleware';
import type { DB } from '../db/schema';
import { AUDIT_CSV_HEADER, auditCsvLine, listAudit, toAuditEntryResponse, verifyAuditChain } from './audit.service';
import { auditFrom, type Auditor } from './auditor';

const NoQuerySchema = z.strictObject({});
const DEFAULT_PAGE = 100;
const CSV_BATCH = 1000;
/** An export larger than this is cut off (and says so in its last line): narrow the filter instead. */
const CSV_MAX_ROWS = 100_000;

/**
 * The audit trail, for admins: `/audit` (a page of entries), `/audit/verify` (check the hash
 * chain) and `/audit.csv` (the filtered trail as a spreadsheet). Each use is itself audited.
 * Mounted at the API root because `/audit.csv` is a sibling of `/audit`, not a child.
 */
export function auditRoutes(deps: { db: Kysely<DB>; auditor: Auditor }): Router {
  const { db, auditor } = deps;
  const r = Router();

  r.get('/audit', async (req, res) => {
    requireStaff(res, 'admin');
    const { limit, cursor, ...filter } = AuditListQuerySchema.parse(req.query);
    const page = await listAudit(db, filter, { limit: limit ?? DEFAULT_PAGE, ...(cursor !== undefined ? { cursor } : {}) });
    await auditor.record(db, auditFrom(req, res), { action: 'audit.read', targets: filter.patientId ? { patientId: filter.patientId } : {} });
    res.json({ entries: page.rows.map(toAuditEntryResponse), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) });
  });

  r.get('/audit/verify', async (req, res) => {
    requireStaff(res, 'admin');
    NoQuerySchema.parse(req.query);
    const result = await verifyAuditChain(db);
    await auditor.record(db, auditFrom(req, res), { action: 'audit.verified', outcome: result.ok ? 'success' : 'failure' });
    res.json(result);
  });

  r.get('/audit.csv', async (req, res) => {
    requireStaff(res, 'admin');
    const filter = AuditFilterSchema.parse(req.query);
    await auditor.record(db, auditFrom(req, res), { action: 'audit.exported', targets: filter.patientId ? { patientId: filter.patientId } : {} });
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="alcove-audit-${new Date().toISOString().slice(0, 10)}.csv"`);
    res.write(AUDIT_CSV_HEADER);
    let cursor: string | undefined;
    let written = 0;
    try {
      do {
        const page = await listAudit(db, filter, { limit: CSV_BATCH, ...(cursor !== undefined ? { cursor } : {}) });
        for (const row of page.rows) res.write(auditCsvLine(toAuditEntryResponse(row)));
        written += page.rows.length;
        cursor = page.nextCursor;
      } while (cursor !== undefined && written < CSV_MAX_ROWS);
    } catch {
      // The status line is already sent: cut the download short so it cannot pass for a complete file.
      res.destroy();
      return;
    }
    if (cursor !== undefined) res.write(`# truncated after ${CSV_MAX_ROWS} rows: narrow the date range\r\n`);
    res.end();
  });

  return r;
}
