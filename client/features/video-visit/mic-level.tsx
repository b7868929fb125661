import { useEffect, useRef, useState } from 'react';
import { createAudioAnalyser, type LocalAudioTrack } from 'livekit-client';
import { useTranslation } from 'react-i18next';

/**
 * A live microphone level bar. The bar is drawn outside React (a CSS variable set each frame);
 * the text status changes once, when sound is first heard, so screen readers are not flooded.
 */
export function MicLevel({ track }: { track: LocalAudioTrack }) {
  const { t } = useTranslation('video');
  const bar = useRef<HTMLDivElement>(null);
  const [heard, setHeard] = useState(false);

  useEffect(() => {
    const { calculateVolume, analyser, cleanup } = createAudioAnalyser(track, { cloneTrack: true, smoothingTimeConstant: 0.6 });
    const context = analyser.context;
    // Autoplay rules may start the context suspended; the patient has already tapped on this page.
    if (context instanceof AudioContext && context.state === 'suspended') void context.resume().catch(() => undefined);
    let frame = 0;
    let level = 0;
    const tick = () => {
      const v = calculateVolume();
      // Speech sits low on this scale; stretch it so normal talking fills most of the bar.
      level = Math.min(1, Math.sqrt(v) * 1.6);
      bar.current?.style.setProperty('--level', level.toFixed(3));
      bar.current?.setAttribute('aria-valuenow', String(Math.round(level * 100)));
      if (level > 0.15) setHeard(true);
      frame = requestAnimationFrame(tick);
    };
    frame = requestAnimationFrame(tick);
    return () => {
      cancelAnimationFrame(frame);
      void cleanup();
    };
  }, [track]);

  return (
    <div className="mic-level">
      <div
        ref={bar}
        className="mic-level-bar"
        role="meter"
        aria-label={t('device.micLevel')}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={0}
        data-testid="mic-level"
      />
      <p className="mic-level-text muted" role="status">
        {heard ? t('device.micHeard') : t('device.micSaySomething')}
      </p>
    </div>
  );
}
