import type { RequestHandler } from 'express';
import type { FieldIssue } from '@shared/errors';
import { HttpError } from '../http-error';

/** Deeper than any body we accept; the schemas reject such nesting anyway, this only bounds the walk. */
const MAX_DEPTH = 64;

/** The dotted path of the first string (or key) holding a NUL character, if any. Iterative: no recursion on hostile nesting. */
function findNul(root: unknown): string | undefined {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: root, path: '', depth: 0 }];
  while (stack.length) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return path || '(body)';
      continue;
    }
    if (value === null || typeof value !== 'object' || depth >= MAX_DEPTH) continue;
    for (const [key, child] of Object.entries(value)) {
      const childPath = path ? `${path}.${key}` : key;
      if (key.includes('\u0000')) return childPath;
      stack.push({ value: child, path: childPath, depth: depth + 1 });
    }
  }
  return undefined;
}

/**
 * Refuses any JSON body or query value carrying a NUL character (U+0000), with 400 naming the
 * field. No field has a use for it, and PostgreSQL cannot store it in text: it would otherwise
 * surface as a 500 at the first insert.
 */
export const rejectNulCharacters: RequestHandler = (req, _res, next) => {
  const where = findNul(req.body) ?? findNul(req.query);
  if (where === undefined) return next();
  const details: FieldIssue[] = [{ field: where, message: 'Contains a character that is not allowed (NUL)' }];
  next(new HttpError(400, 'validation_failed', 'Some fields are not valid', details));
};
