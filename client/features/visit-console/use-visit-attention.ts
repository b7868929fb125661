import { useEffect, useRef } from 'react';
import type { LiveParticipant } from '@shared/realtime';
import { announce, useAttentionCount } from '../../components/attention';

/**
 * Puts the number of waiting participants in the page title and announces each new arrival (tone,
 * system notification) with fixed words. Who was already waiting when the page opened is counted,
 * not announced: the clinician is looking at the page then.
 */
export function useVisitAttention(visitId: string, participants: LiveParticipant[], loaded: boolean, closed: boolean): void {
  const waiting = closed ? [] : participants.filter((p) => p.state === 'waiting');
  useAttentionCount(`visit-waiting:${visitId}`, waiting.length);

  const known = useRef<Set<string> | null>(null);
  const ids = waiting.map((p) => p.id).join(',');
  useEffect(() => {
    if (!loaded) return;
    const now = new Set(ids ? ids.split(',') : []);
    const before = known.current;
    known.current = now;
    if (!before) return;
    for (const id of now) if (!before.has(id)) announce('waiting', id);
  }, [ids, loaded]);
}
