import { useEffect } from 'react';
import { useAttentionTotal } from './attention';

/**
 * Sets a neutral page title: a section name only, never a person, reason or diagnosis. While
 * something needs the clinician (patients waiting, unacknowledged safety alerts) it leads with
 * their number, so a background tab shows "(1) Visit · Alcove".
 */
export function usePageTitle(section: string) {
  const waiting = useAttentionTotal();
  useEffect(() => {
    const title = section ? `${section} · Alcove` : 'Alcove';
    document.title = waiting > 0 ? `(${waiting}) ${title}` : title;
  }, [section, waiting]);
}
