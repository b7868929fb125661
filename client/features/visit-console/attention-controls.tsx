import { useId } from 'react';
import { useAttentionSettings } from '../../components/attention';

/**
 * How this browser tells the clinician about a waiting patient or a safety alert while they are in
 * another tab: a system notification (asked for by a click, as browsers require) and an optional tone.
 */
export function AttentionControls() {
  const s = useAttentionSettings();
  const soundId = useId();
  return (
    <div className="attention-controls" role="group" aria-label="Alerts while you are in another tab">
      {s.notifications === 'default' && (
        <button type="button" className="btn btn-small" onClick={() => void s.requestNotifications()}>
          Notify me in other tabs
        </button>
      )}
      {s.notifications === 'granted' && (
        <span className="muted" data-testid="notifications-on">
          Notifications on
        </span>
      )}
      {s.notifications === 'denied' && <span className="muted">Notifications are blocked in this browser’s settings</span>}
      <label className="checkbox attention-sound" htmlFor={soundId}>
        <input id={soundId} type="checkbox" checked={s.sound} onChange={(e) => s.setSound(e.target.checked)} />
        <span>Sound</span>
      </label>
    </div>
  );
}
