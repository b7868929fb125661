import { HttpError } from '../http-error';

/** For action routes that take no body: anything but nothing or `{}` is a 400 naming the body. */
export function requireNoBody(body: unknown): void {
  if (body !== undefined && (typeof body !== 'object' || body === null || Object.keys(body).length > 0)) {
    throw new HttpError(400, 'validation_failed', 'This request takes no body', [{ field: '(body)', message: 'This request takes no body' }]);
  }
}
