import type { z } from 'zod';
import { ERROR_CODES, ErrorEnvelopeSchema, type ErrorCode } from '@shared/errors';
import { takeEarlyResponse } from './early-response';

/** The server's error codes, plus the two this client gives failures that never reached it. */
export type ApiErrorCode = ErrorCode | 'network_error' | 'unexpected';

/** An API failure with the server's stable code; `details` carries field issues for forms. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: unknown,
    /** Seconds from a 429's Retry-After header, when the server sent one. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Field-level messages from a validation_failed error, keyed by field path. */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    if (Array.isArray(this.details)) {
      for (const d of this.details as { field?: unknown; message?: unknown }[]) {
        if (typeof d.field === 'string' && typeof d.message === 'string') out[d.field] ??= d.message;
      }
    }
    return out;
  }

  /** `details` read with the error's shared schema, or null when they do not fit it. */
  readDetails<T>(schema: z.ZodType<T>): T | null {
    const parsed = schema.safeParse(this.details);
    return parsed.success ? parsed.data : null;
  }
}

function isServerCode(code: string): code is ErrorCode {
  return (ERROR_CODES as readonly string[]).includes(code);
}

/** The ApiError for a failed response whose body (`data`) was read already. */
export function errorFromResponse(res: Response, data: unknown): ApiError {
  const env = ErrorEnvelopeSchema.safeParse(data);
  const retryAfter = Number(res.headers.get('Retry-After'));
  const retryAfterSeconds = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined;
  if (env.success && isServerCode(env.data.error.code)) {
    return new ApiError(res.status, env.data.error.code, env.data.error.message, env.data.error.details, retryAfterSeconds);
  }
  return new ApiError(res.status, 'unexpected', `Unexpected response (${res.status})`);
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Calls our API with the session cookie; throws ApiError with the envelope's code on failure. */
export async function api<T>(method: Method, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await (takeEarlyResponse(method, path, body) ??
      fetch(path, {
        method,
        credentials: 'same-origin',
        headers: body !== undefined ? { 'Content-Type': 'application/json' } : {},
        body: body !== undefined ? JSON.stringify(body) : undefined,
      }));
  } catch {
    throw new ApiError(0, 'network_error', 'Cannot reach Alcove. Check your connection and try again.');
  }
  if (res.status === 204) return undefined as T;
  const data: unknown = await res.json().catch(() => undefined);
  if (!res.ok) throw errorFromResponse(res, data);
  return data as T;
}
