import { lazy, Suspense, useCallback, useEffect, useState, type ReactNode } from 'react';
import { JoinExperience } from '../features/join/join-experience';
import type { StageKind } from '../features/join/use-join-flow';
import type { LocalMedia } from '../features/video-visit/use-local-media';
import { AppShell } from './app-shell';

// The page itself carries only the join flow, so the date-of-birth form comes first on a slow phone.
// The rest arrives in steps: the camera and device check once the link is verified (consent), the
// call (LiveKit's room and components, the E2EE worker) while the patient waits, the check-in panel
// as the call starts.
const loadMedia = () => import('./patient-media');
const loadCall = () => import('./patient-call');
const MediaHost = lazy(() => loadMedia().then((m) => ({ default: m.MediaHost })));
const DeviceCheck = lazy(() => loadMedia().then((m) => ({ default: m.DeviceCheck })));
const SelfView = lazy(() => loadMedia().then((m) => ({ default: m.SelfView })));
const PatientCall = lazy(() => loadCall().then((m) => ({ default: m.PatientCall })));
// Check-ins due before the visit (the measurement plan sends them as the patient starts waiting).
const WaitingCheckins = lazy(() => import('./patient-waiting-checkins').then((m) => ({ default: m.WaitingCheckins })));

const AFTER_DOB: StageKind[] = ['consent', 'devices', 'waiting', 'call'];

/** Shown while a step's code arrives (no words: it is usually there before anyone could read them). */
function StepLoading({ children }: { children?: ReactNode }) {
  return (
    <p className="loading" role="status" aria-busy="true">
      {children}
    </p>
  );
}

/**
 * The patient's visit page (`/join/:token`, its own entry: join.html), outside the staff session,
 * with its own cache and socket. The join feature runs the flow; the video feature owns the camera
 * from the device check through the call, so the preview tracks are reused when the patient is admitted.
 */
export function JoinPage({ token }: { token: string }) {
  return (
    <AppShell>
      <PatientVisit token={token} />
    </AppShell>
  );
}

function PatientVisit({ token }: { token: string }) {
  const [stage, setStage] = useState<StageKind>('loading');
  // Once past the date-of-birth form the media code is wanted for the rest of the visit.
  const [mediaWanted, setMediaWanted] = useState(false);
  const [media, setMedia] = useState<LocalMedia | null>(null);

  const handleStageChange = useCallback((kind: StageKind) => {
    setStage(kind);
    if (AFTER_DOB.includes(kind)) setMediaWanted(true);
  }, []);

  // While the patient waits, the call's code is fetched, so admission does not wait for it.
  useEffect(() => {
    if (stage === 'waiting' || stage === 'call') void loadCall().then((m) => m.prefetchCallWorker());
  }, [stage]);

  return (
    <>
      {mediaWanted && (
        <Suspense fallback={null}>
          <MediaHost stage={stage} onMedia={setMedia} />
        </Suspense>
      )}
      <JoinExperience
        token={token}
        onStageChange={handleStageChange}
        renderDeviceCheck={({ onContinue, busy }) =>
          media ? (
            <Suspense fallback={<StepLoading />}>
              <DeviceCheck media={media} onContinue={onContinue} busy={busy} />
            </Suspense>
          ) : (
            <StepLoading />
          )
        }
        renderSelfView={() =>
          media?.videoTrack && media.choices.cameraEnabled ? (
            <Suspense fallback={null}>
              <SelfView media={media} />
            </Suspense>
          ) : null
        }
        renderWaitingCheckins={(visitId) => (
          <Suspense fallback={null}>
            <WaitingCheckins visitId={visitId} />
          </Suspense>
        )}
        renderCall={(p) =>
          media ? (
            <Suspense fallback={<StepLoading />}>
              <PatientCall slot={p} media={media} />
            </Suspense>
          ) : (
            <StepLoading />
          )
        }
      />
    </>
  );
}
