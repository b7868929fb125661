import { useEffect } from 'react';

/** Sets a neutral page title: a section name only, never a person, reason or diagnosis. */
export function usePageTitle(section: string) {
  useEffect(() => {
    document.title = section ? `${section} · Alcove` : 'Alcove';
  }, [section]);
}
