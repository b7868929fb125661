/** Which set of "how to allow the camera" instructions fits this device. */
export type Platform = 'ios' | 'android' | 'desktop';

/**
 * A best guess from the user agent, used only to pick help text. iPadOS reports itself as a Mac,
 * so a "Mac" with a touch screen counts as iOS.
 */
export function detectPlatform(): Platform {
  const ua = navigator.userAgent;
  if (/iPhone|iPad|iPod/.test(ua) || (/Macintosh/.test(ua) && navigator.maxTouchPoints > 1)) return 'ios';
  if (/Android/.test(ua)) return 'android';
  return 'desktop';
}
