/*
 * Visits are stored in UTC and shown in the viewer's own time zone. These helpers work in the
 * browser's local zone; Intl does the formatting so each viewer sees their own conventions.
 */

export function startOfLocalDay(d: Date): Date {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate());
}

/** Adds calendar days in local time (a DST change still lands on midnight). */
export function addDays(d: Date, days: number): Date {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + days);
}

/** Monday of the week containing `d`. */
export function startOfLocalWeek(d: Date): Date {
  const day = startOfLocalDay(d);
  return addDays(day, -((day.getDay() + 6) % 7));
}

const pad = (n: number) => String(n).padStart(2, '0');

/** YYYY-MM-DD for an `<input type="date">`, in local time. */
export function toDateInput(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** HH:MM for an `<input type="time">`, in local time. */
export function toTimeInput(d: Date): string {
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The local moment named by a date input and a time input, or null when either is not a real value. */
export function fromLocalInputs(date: string, time: string): Date | null {
  const dm = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const tm = /^(\d{2}):(\d{2})$/.exec(time);
  if (!dm || !tm) return null;
  const [y, mo, d, h, mi] = [dm[1], dm[2], dm[3], tm[1], tm[2]].map(Number) as [number, number, number, number, number];
  const out = new Date(y, mo - 1, d, h, mi);
  if (out.getFullYear() !== y || out.getMonth() !== mo - 1 || out.getDate() !== d || h > 23 || mi > 59) return null;
  return out;
}

/** The next half hour from now: a sensible default start for a new visit. */
export function nextHalfHour(now = new Date()): Date {
  const d = new Date(now);
  d.setSeconds(0, 0);
  d.setMinutes(d.getMinutes() < 30 ? 30 : 60);
  return d;
}

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const dayFmt = new Intl.DateTimeFormat(undefined, { weekday: 'long', month: 'long', day: 'numeric' });
const shortDayFmt = new Intl.DateTimeFormat(undefined, { weekday: 'short', month: 'short', day: 'numeric' });
const dayTimeFmt = new Intl.DateTimeFormat(undefined, { weekday: 'short', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' });

export const formatTime = (d: Date | string): string => timeFmt.format(new Date(d));
export const formatDay = (d: Date | string): string => dayFmt.format(new Date(d));
export const formatShortDay = (d: Date | string): string => shortDayFmt.format(new Date(d));
export const formatDayTime = (d: Date | string): string => dayTimeFmt.format(new Date(d));

/** The viewer's time zone name, shown once so nobody wonders which zone the times are in. */
export function localZoneName(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}
