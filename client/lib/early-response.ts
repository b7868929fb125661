/** A request a page sent before its own code arrived (see client/public/join-early.js). */
interface EarlyRequest {
  method: string;
  path: string;
  /** The JSON body exactly as sent. */
  body: string;
  response: Promise<Response>;
}

declare global {
  interface Window {
    alcoveEarlyRequest?: EarlyRequest;
  }
}

/**
 * The response to a request the page already sent before its code arrived, when `method`, `path`
 * and `body` are exactly what was sent; once only (every later call goes to the network).
 */
export function takeEarlyResponse(method: string, path: string, body: unknown): Promise<Response> | undefined {
  const early = window.alcoveEarlyRequest;
  if (!early || early.method !== method || early.path !== path || body === undefined || early.body !== JSON.stringify(body))
    return undefined;
  window.alcoveEarlyRequest = undefined;
  return early.response;
}
