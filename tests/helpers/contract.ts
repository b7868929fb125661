import { expect } from 'vitest';
import type { z } from 'zod';

/**
 * Contract checks: a response or socket payload must parse with its shared schema AND carry no
 * field the schema does not name. The shared schemas are plain (non-strict) objects so the client
 * tolerates additions; here the parsed copy, which zod strips of unknown keys, is compared with
 * what was sent, so any extra field, at any depth, is a drift between server and schema.
 */

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Paths of fields present in `sent` but gone from `kept` (the schema's parse of it). */
function strippedFields(sent: unknown, kept: unknown, at: string): string[] {
  if (Array.isArray(sent) && Array.isArray(kept)) return sent.flatMap((item, i) => strippedFields(item, kept[i], `${at}[${i}]`));
  if (!isPlainObject(sent) || !isPlainObject(kept)) return [];
  return Object.keys(sent).flatMap((key) => {
    const path = at ? `${at}.${key}` : key;
    return key in kept ? strippedFields(sent[key], kept[key], path) : [`${path}: not in the schema`];
  });
}

/** Every way `value` breaks `schema`'s contract, one line each; empty when it keeps it. */
export function contractProblems(value: unknown, schema: z.ZodType): string[] {
  const parsed = schema.safeParse(value);
  if (!parsed.success) return parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  return strippedFields(value, parsed.data, '');
}

/** Asserts that a socket payload (or any value) keeps its schema's contract exactly, and returns it typed. */
export function expectPayload<S extends z.ZodType>(value: unknown, schema: S, what = 'payload'): z.infer<S> {
  const problems = contractProblems(value, schema);
  // The body is left out of the message: it may hold tokens and names.
  expect(problems, `${what} drifted from its shared schema: ${problems.join('; ')}`).toEqual([]);
  return value as z.infer<S>;
}

/** A supertest response, as much of it as the check needs. */
export interface ResponseLike {
  status: number;
  body: unknown;
  req?: { method?: string; path?: string };
}

/** Asserts a 2xx response whose JSON body keeps its shared schema's contract exactly; returns the body typed. */
export function expectContract<S extends z.ZodType>(res: ResponseLike, schema: S): z.infer<S> {
  const what = `${res.req?.method ?? ''} ${res.req?.path ?? ''}`.trim() || 'response';
  expect(res.status, `${what}: ${JSON.stringify(res.body)?.slice(0, 300)}`).toBeGreaterThanOrEqual(200);
  expect(res.status, `${what}: ${JSON.stringify(res.body)?.slice(0, 300)}`).toBeLessThan(300);
  return expectPayload(res.body, schema, what);
}
