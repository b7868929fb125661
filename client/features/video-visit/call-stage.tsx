import { useSyncExternalStore } from 'react';
import { GridLayout, ParticipantTile, useTracks } from '@livekit/components-react';
import { isTrackReference, type TrackReferenceOrPlaceholder } from '@livekit/components-react';
import { Track } from 'livekit-client';
import { useTranslation } from 'react-i18next';

const PHONE_QUERY = '(max-width: 600px)';

function useIsPhone(): boolean {
  return useSyncExternalStore(
    (cb) => {
      const mq = window.matchMedia(PHONE_QUERY);
      mq.addEventListener('change', cb);
      return () => mq.removeEventListener('change', cb);
    },
    () => window.matchMedia(PHONE_QUERY).matches,
  );
}

/**
 * The video area. Two people on a phone: the other person fills the screen and you are a small
 * picture in the corner. Otherwise (laptop, 3–4 people, a shared screen) an even grid.
 */
export function CallStage({ compact = false }: { compact?: boolean }) {
  const { t } = useTranslation('video');
  const isPhone = useIsPhone();
  const tracks = useTracks(
    [
      { source: Track.Source.Camera, withPlaceholder: true },
      { source: Track.Source.ScreenShare, withPlaceholder: false },
    ],
    { onlySubscribed: false },
  );
  const screenShares = tracks.filter((tr) => isTrackReference(tr) && tr.publication.source === Track.Source.ScreenShare);
  const local = tracks.find((tr) => tr.participant.isLocal && tr.source === Track.Source.Camera);
  const others = tracks.filter((tr) => !tr.participant.isLocal);
  const alone = others.length === 0;

  let body;
  if ((isPhone || compact) && screenShares.length === 0 && others.length === 1 && local) {
    const remote = others[0] as TrackReferenceOrPlaceholder;
    body = (
      <div className="stage-pip">
        <ParticipantTile trackRef={remote} className="stage-pip-main" />
        <ParticipantTile trackRef={local} className="stage-pip-self" />
      </div>
    );
  } else {
    body = (
      <GridLayout tracks={tracks} className="stage-grid">
        <ParticipantTile />
      </GridLayout>
    );
  }
  return (
    <div className="call-stage" data-testid="call-stage">
      {body}
      {alone && (
        <p className="stage-note" role="status">
          {t('call.waitingForOthers')}
        </p>
      )}
    </div>
  );
}
