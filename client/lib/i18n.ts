import i18next, { type Resource } from 'i18next';
import { initReactI18next } from 'react-i18next';

/** Languages patient-facing pages are written in. Staff pages are English only. */
export const LANGUAGES = ['en', 'es'] as const;
export type Language = (typeof LANGUAGES)[number];

export const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', es: 'Español' };

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

// One instance for the whole client; features register their own namespaces below.
void i18next.use(initReactI18next).init({
  lng: 'en',
  fallbackLng: 'en',
  supportedLngs: [...LANGUAGES],
  resources: {},
  initAsync: false,
  interpolation: { escapeValue: false }, // React already escapes
  returnNull: false,
  showSupportNotice: false,
});

/** Registers a feature's strings under its own namespace (called once at module load). */
export function addTranslations(namespace: string, bundles: Record<Language, Resource[string][string]>): void {
  for (const lang of LANGUAGES) {
    if (!i18next.hasResourceBundle(lang, namespace)) i18next.addResourceBundle(lang, namespace, bundles[lang], true, false);
  }
}

/** Switches the page language and keeps `<html lang>` in step, so screen readers pronounce it right. */
export function setLanguage(lang: Language): void {
  document.documentElement.lang = lang;
  if (i18next.language !== lang) void i18next.changeLanguage(lang);
}

/** A first guess before we know the patient: the browser's language when we speak it. */
export function browserLanguage(): Language {
  for (const tag of navigator.languages ?? [navigator.language]) {
    const base = tag.slice(0, 2).toLowerCase();
    if (isLanguage(base)) return base;
  }
  return 'en';
}

/**
 * The locale for dates and times: the browser's own tag when it matches the page language (so a
 * patient in Mexico gets es-MX formats), otherwise the bare language.
 */
export function localeFor(lang: Language): string {
  const match = (navigator.languages ?? [navigator.language]).find((tag) => tag.toLowerCase().startsWith(lang));
  return match ?? lang;
}

/** Formats a timestamp in the viewer's own time zone, e.g. "Tuesday, December 1 at 3:30 PM EST". */
export function formatDateTime(iso: string, lang: Language, options: Intl.DateTimeFormatOptions = {}): string {
  return new Intl.DateTimeFormat(localeFor(lang), {
    weekday: 'long',
    month: 'long',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
    ...options,
  }).format(new Date(iso));
}

/** Formats only the time of day in the viewer's time zone. */
export function formatTime(iso: string, lang: Language): string {
  return new Intl.DateTimeFormat(localeFor(lang), { hour: 'numeric', minute: '2-digit' }).format(new Date(iso));
}

export { i18next };
