import './checkin-results.css';
import type { BandView } from '@shared/api/checkins.schema';

/** How far up the scale each band is, drawn as filled bars: a shape, not only a colour. */
const LEVEL: Record<BandView['severity'], number> = {
  none: 0,
  minimal: 1,
  mild: 2,
  moderate: 3,
  'moderately-severe': 4,
  severe: 5,
};

/** Five bars, `level` of them filled. Decorative: the badge's text says the same. */
export function SeverityBars({ level }: { level: number }) {
  return (
    <svg className="severity-bars" viewBox="0 0 25 14" width="25" height="14" aria-hidden="true" focusable="false">
      {[0, 1, 2, 3, 4].map((i) => (
        <rect key={i} x={i * 5} y={10 - i * 2.5} width="4" height={4 + i * 2.5} rx="0.5" className={i < level ? 'bar-on' : 'bar-off'} />
      ))}
    </svg>
  );
}

/** A severity band as text, bars and colour together (never colour alone). */
export function BandBadge({ band }: { band: Pick<BandView, 'label' | 'severity'> }) {
  return (
    <span className={`badge band-badge band-${band.severity}`} data-severity={band.severity}>
      <SeverityBars level={LEVEL[band.severity]} />
      {band.label}
    </span>
  );
}

export function bandLevel(severity: BandView['severity']): number {
  return LEVEL[severity];
}
