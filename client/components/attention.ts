import { useCallback, useEffect, useState, useSyncExternalStore } from 'react';

/*
 * What a clinician must not miss while looking at another tab or window: a patient waiting and a
 * safety alert. Features report their counts here; the page title shows the sum ("(2) Visit · Alcove"),
 * and each new event can ring a short tone (off unless turned on) and show a system notification
 * (only once the clinician allowed it). CAUTION: the words are fixed: no name, reason or answer ever
 * goes into a title, a notification or its tag, since the lock screen and other apps can show them.
 */

export type AttentionEvent = 'waiting' | 'safety';

const TEXT: Record<AttentionEvent, { title: string; body: string }> = {
  waiting: { title: 'A patient is waiting', body: 'Open Alcove to admit them.' },
  safety: { title: 'Safety alert on a visit', body: 'Open Alcove to review it now.' },
};

const counts = new Map<string, number>();
const listeners = new Set<() => void>();
let total = 0;

function changed() {
  total = [...counts.values()].reduce((a, b) => a + b, 0);
  for (const l of listeners) l();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Reports how many things `source` has waiting for the clinician; withdrawn when the component unmounts. */
export function useAttentionCount(source: string, count: number): void {
  useEffect(() => {
    counts.set(source, count);
    changed();
    return () => {
      counts.delete(source);
      changed();
    };
  }, [source, count]);
}

/** The sum of every reported count. */
export function useAttentionTotal(): number {
  return useSyncExternalStore(
    subscribe,
    () => total,
    () => 0,
  );
}

const SOUND_KEY = 'alcove.attention.sound';
let audio: AudioContext | null = null;

function soundOn(): boolean {
  try {
    return localStorage.getItem(SOUND_KEY) === 'on';
  } catch {
    return false;
  }
}

/** A short generated tone: one for a waiting patient, three for a safety alert. No audio file to load. */
function ring(kind: AttentionEvent): void {
  const Ctx = window.AudioContext as typeof AudioContext | undefined;
  if (!Ctx) return;
  audio ??= new Ctx();
  void audio.resume();
  const start = audio.currentTime + 0.02;
  const beeps = kind === 'safety' ? 3 : 1;
  for (let i = 0; i < beeps; i++) {
    const at = start + i * 0.3;
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = kind === 'safety' ? 880 : 660;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.25, at + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.22);
    osc.connect(gain).connect(audio.destination);
    osc.start(at);
    osc.stop(at + 0.25);
  }
}

/** The clinician is not looking at this page: another tab, another window, a minimised browser. */
function away(): boolean {
  return document.visibilityState !== 'visible' || !document.hasFocus();
}

/**
 * Tells the clinician about one new event: the tone if they turned it on, and a system notification
 * when they allowed notifications and are not looking at this page (on the page, the page itself
 * shows it). `tag` keeps two tabs of the same visit from showing the same event twice; it must be an
 * opaque id.
 */
export function announce(kind: AttentionEvent, tag: string): void {
  if (soundOn()) {
    try {
      ring(kind);
    } catch {
      // A browser that refuses audio still gets the title and the notification.
    }
  }
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted' || !away()) return;
  try {
    const n = new Notification(TEXT[kind].title, { body: TEXT[kind].body, tag: `alcove-${kind}-${tag}` });
    n.onclick = () => {
      window.focus();
      n.close();
    };
  } catch {
    // Some mobile browsers only notify from a service worker; the title count still shows.
  }
}

export type NotificationState = 'unsupported' | NotificationPermission;

function notificationState(): NotificationState {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/** The clinician's choices: the tone (remembered in this browser) and notification permission. */
export function useAttentionSettings(): {
  sound: boolean;
  setSound: (on: boolean) => void;
  notifications: NotificationState;
  requestNotifications: () => Promise<void>;
} {
  const [sound, setSoundState] = useState(soundOn);
  const [notifications, setNotifications] = useState<NotificationState>(notificationState);

  const setSound = useCallback((on: boolean) => {
    try {
      localStorage.setItem(SOUND_KEY, on ? 'on' : 'off');
    } catch {
      // Private mode without storage: the choice lasts for this page only.
    }
    setSoundState(on);
    // Turning it on is a click: the moment a browser lets audio start, so the first alert is heard.
    if (on) ring('waiting');
  }, []);

  const requestNotifications = useCallback(async () => {
    if (typeof Notification === 'undefined') return;
    setNotifications(await Notification.requestPermission());
  }, []);

  // The clinician may change the permission in the browser's settings while the page is open.
  useEffect(() => {
    const refresh = () => setNotifications(notificationState());
    window.addEventListener('focus', refresh);
    return () => window.removeEventListener('focus', refresh);
  }, []);

  return { sound, setSound, notifications, requestNotifications };
}
