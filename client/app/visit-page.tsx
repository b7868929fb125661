import { useEffect } from 'react';
import { useParams } from 'react-router';
import { CheckinConsole } from '../features/checkin-console/checkin-console';
import { VideoCall } from '../features/video-visit/video-call';
import { VisitConsole } from '../features/visit-console/visit-console';
import { PatientLanguageNote } from '../features/visit-notes/patient-language';
import { VisitNotesPanel } from '../features/visit-notes/visit-notes-panel';

// The path this document was loaded for. Permissions-Policy (camera, microphone) is fixed at load,
// and only /join and /visits pages allow them, so arriving here by client-side navigation needs a reload.
const LOADED_PATH = window.location.pathname;
const MEDIA_PATH = /^\/(join|visits)(\/|$)/;

/** The clinician's visit page (`/visits/:id`): the console with the video call in its slot; once ended, the visit's record. */
export function VisitPage() {
  const { id = '' } = useParams();
  const needsReload = !MEDIA_PATH.test(LOADED_PATH);
  useEffect(() => {
    if (needsReload) window.location.replace(window.location.href);
  }, [needsReload]);
  if (needsReload) return null;
  return (
    <VisitConsole
      visitId={id}
      extraPanel={
        <>
          <CheckinConsole visitId={id} />
          <VisitNotesPanel visitId={id} />
        </>
      }
      // Once the visit has ended: its record stays on this page, read-only, with the visit's notes
      // (the author can still amend theirs).
      record={<CheckinConsole visitId={id} readOnly />}
      note={<VisitNotesPanel visitId={id} />}
      patientLanguage={(patientId) => <PatientLanguageNote patientId={patientId} />}
      renderCall={(p) => (
        <VideoCall
          visitId={p.visitId}
          role="clinician"
          durationMinutes={p.durationMinutes}
          aside={p.aside}
          asideLayout="stack"
          onEnded={p.onEnded}
          onLeave={p.onLeave}
        />
      )}
    />
  );
}
