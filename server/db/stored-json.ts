import type { z } from 'zod';

/**
 * Reads a JSON text column back through its schema. A null, corrupt or out-of-date value is
 * undefined rather than an error: stored JSON outlives the code that wrote it.
 */
export function parseStoredJson<S extends z.ZodType>(text: string | null, schema: S): z.infer<S> | undefined {
  if (!text) return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
