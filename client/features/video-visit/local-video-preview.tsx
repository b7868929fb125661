import { useEffect, useRef } from 'react';
import type { LocalVideoTrack } from 'livekit-client';

/** Plays a local camera track, mirrored like a mirror so moving left moves left. */
export function LocalVideoPreview({ track, label, className = '' }: { track: LocalVideoTrack; label: string; className?: string }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    track.attach(el);
    return () => {
      track.detach(el);
    };
  }, [track]);
  return (
    <video ref={ref} className={`local-preview ${className}`} aria-label={label} data-testid="camera-preview" muted playsInline autoPlay />
  );
}
