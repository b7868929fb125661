import type { KeyboardEvent } from 'react';
import { CartesianGrid, Line, LineChart, ReferenceArea, ReferenceLine, ResponsiveContainer, XAxis, YAxis } from 'recharts';
import type { HistoryEntry } from '@shared/api/checkins.schema';
import type { InstrumentDetail } from '@shared/api/instruments.schema';
import type { MedicationMarker } from '@shared/outcomes/timeline';
import { dayStart, formatDay, type NumberedMarker } from './medication-legend';

/** Band shading, light enough that the line and labels stay readable; the band name is written in the area too. */
const BAND_FILL: Record<string, string> = {
  none: '#cfe8d6',
  minimal: '#cfe8d6',
  mild: '#e2ecc9',
  moderate: '#f8e6b5',
  'moderately-severe': '#f6d2b8',
  severe: '#f3c4c4',
};

export const shortDate = (iso: string) =>
  new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', year: '2-digit' }).format(new Date(iso));
const withTime = (iso: string) =>
  new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' }).format(new Date(iso));

/** A label per visit: its date, or date and time when two visits fall on the same day. */
export function visitLabels(entries: HistoryEntry[]): Map<string, string> {
  const days = new Map<string, number>();
  for (const e of entries) days.set(shortDate(e.visitStartsAt), (days.get(shortDate(e.visitStartsAt)) ?? 0) + 1);
  return new Map(
    entries.map((e) => [e.id, (days.get(shortDate(e.visitStartsAt)) ?? 0) > 1 ? withTime(e.visitStartsAt) : shortDate(e.visitStartsAt)]),
  );
}

interface Point {
  /** The visit's start, in ms: the time axis. */
  t: number;
  entry: HistoryEntry;
  total: number | null;
  /** Where a visit with a safety alert but no total is marked: the top of the scale (null otherwise). */
  alertMark: number | null;
  label: string;
  /** Medication changes since the previous visit, for the point's description. */
  changes: MedicationMarker[];
}

const DAY = 86_400_000;

/**
 * Score over time for one scored instrument, with its severity bands shaded behind the line. The
 * horizontal axis is time, so a medication start, dose change or stop (a dashed vertical line with
 * its number from the medication list) sits where it happened between visits. Each point is a
 * button (click, Enter or Space) that shows that check-in's item table. A missing total is a gap in
 * the line, not a zero; a visit with a safety alert carries a warning triangle, at the top of the
 * scale when it has no total. The table beside the chart and the medication list carry the same data
 * for anyone who cannot use the chart.
 */
export function TrendChart({
  entries,
  definition,
  selectedId,
  onSelect,
  markers = [],
  changesBefore = [],
}: {
  entries: HistoryEntry[];
  definition: InstrumentDetail;
  selectedId: string | null;
  onSelect: (id: string) => void;
  /** Every medication change of the patient, numbered by their place in this list. */
  markers?: NumberedMarker[];
  /** Per entry, the medication changes since the previous one. */
  changesBefore?: NumberedMarker[][];
}) {
  const max = definition.scoring.total?.max ?? Math.max(...entries.map((e) => e.result?.total ?? 0), 1);
  const min = definition.scoring.total?.min ?? 0;
  const labels = visitLabels(entries);
  const points: Point[] = entries.map((e, i) => ({
    t: Date.parse(e.visitStartsAt),
    entry: e,
    total: e.result?.total ?? null,
    alertMark: e.result?.total === undefined && e.alerts.length > 0 ? max : null,
    label: labels.get(e.id) ?? shortDate(e.visitStartsAt),
    changes: changesBefore[i] ?? [],
  }));
  // Medication changes of one day share a line; its label lists their numbers.
  const byDay = new Map<string, NumberedMarker[]>();
  for (const m of markers) byDay.set(m.on, [...(byDay.get(m.on) ?? []), m]);
  const markerLines = [...byDay].map(([day, list]) => ({ day, x: dayStart(day), list }));
  const times = [...points.map((p) => p.t), ...markerLines.map((m) => m.x)];
  const lo = Math.min(...times);
  const hi = Math.max(...times);
  // A little room either side; half a day around a single point.
  const pad = hi > lo ? (hi - lo) * 0.08 : DAY / 2;
  const labelAt = new Map(points.map((p) => [p.t, p.label]));
  const bands = [...definition.scoring.bands].sort((a, b) => a.min - b.min);
  // Ticks on the band edges, so the scale reads in the instrument's own cut-offs.
  const ticks = [...new Set([min, ...bands.map((b) => b.min), max])].filter((v) => v >= min && v <= max).sort((a, b) => a - b);

  const describe = (p: Point) =>
    `${p.label}: ${p.total === null ? 'no total, incomplete' : `total ${p.total}${p.entry.result?.band ? `, ${p.entry.result.band.label}` : ''}`}${
      p.entry.alerts.length > 0 ? '; safety alert' : ''
    }${p.changes.length ? `; medication changes since the previous visit: ${p.changes.map((m) => m.text).join('; ')}` : ''}. Show the answers.`;

  /** A point as a button: click, Enter or Space selects its check-in. */
  const pointButton = (p: Point, cx: number, cy: number, index: number, alertOnly: boolean) => {
    const selected = p.entry.id === selectedId;
    const activate = () => onSelect(p.entry.id);
    const common = {
      role: 'button',
      tabIndex: 0,
      'aria-label': describe(p),
      'aria-pressed': selected,
      onClick: activate,
      onKeyDown: (e: KeyboardEvent<SVGElement>) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          activate();
        }
      },
    } as const;
    const r = selected ? 9 : 7;
    // A visit with a safety alert is marked with a warning triangle: on its dot, or alone at the top when it has no total.
    const triangle = (y: number, size: number) => `M ${cx} ${y - size} L ${cx + size} ${y + size * 0.8} L ${cx - size} ${y + size * 0.8} Z`;
    return (
      <g key={`${alertOnly ? 'alert' : 'dot'}-${index}`}>
        {alertOnly ? (
          <path
            d={triangle(cy + 10, r + 2)}
            className={`trend-alert${selected ? ' is-selected' : ''}`}
            data-testid="trend-alert-marker"
            {...common}
          />
        ) : (
          <>
            <circle cx={cx} cy={cy} r={r} className={`trend-dot${selected ? ' is-selected' : ''}`} {...common} />
            {p.entry.alerts.length > 0 && <path d={triangle(cy - r - 8, 5)} className="trend-alert-badge" aria-hidden="true" />}
          </>
        )}
      </g>
    );
  };

  return (
    <div className="trend-chart" data-testid="trend-chart">
      <ResponsiveContainer width="100%" height={260}>
        <LineChart data={points} margin={{ top: 12, right: 16, bottom: 4, left: 0 }} accessibilityLayer={false}>
          {bands.map((b, i) => (
            <ReferenceArea
              key={b.label}
              y1={b.min}
              y2={bands[i + 1]?.min ?? max}
              fill={BAND_FILL[b.severity] ?? '#eee'}
              fillOpacity={0.85}
              ifOverflow="hidden"
              label={{ value: b.label, position: 'insideTopRight', fontSize: 11, fill: '#3a4446' }}
            />
          ))}
          <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#b9b3a8" />
          {markerLines.map(({ day, x, list }) => (
            <ReferenceLine
              key={day}
              x={x}
              ifOverflow="extendDomain"
              shape={(props: { x1?: number; y1?: number; x2?: number; y2?: number }) => {
                const { x1 = 0, y1 = 0, x2 = 0, y2 = 0 } = props;
                const numbers = list.map((m) => m.number).join(',');
                const kind = list.every((m) => m.kind === 'stop')
                  ? 'stop'
                  : list.every((m) => m.kind === 'start')
                    ? 'start'
                    : 'dose_change';
                const width = 8 + numbers.length * 7;
                return (
                  <g
                    className={`med-marker med-${kind}`}
                    data-testid="med-marker"
                    data-x={Math.round(x1)}
                    data-day={day}
                    aria-hidden="true"
                  >
                    <title>{`${formatDay(day)}: ${list.map((m) => m.text).join('; ')}`}</title>
                    <line x1={x1} y1={y1} x2={x2} y2={y2} className="med-line" />
                    <rect x={x1 - width / 2} y={Math.min(y1, y2)} width={width} height={16} rx={4} className="med-flag" />
                    <text x={x1} y={Math.min(y1, y2) + 12} textAnchor="middle" className="med-flag-text">
                      {numbers}
                    </text>
                  </g>
                );
              }}
            />
          ))}
          <XAxis
            dataKey="t"
            type="number"
            scale="time"
            domain={[lo - pad, hi + pad]}
            ticks={points.map((p) => p.t)}
            tickFormatter={(t: number) => labelAt.get(t) ?? ''}
            tick={{ fill: '#3a4446', fontSize: 12 }}
          />
          <YAxis domain={[min, max]} ticks={ticks} interval={0} allowDecimals={false} width={36} tick={{ fill: '#3a4446', fontSize: 12 }} />
          <Line
            type="linear"
            dataKey="total"
            stroke="#1f4e5a"
            strokeWidth={2.5}
            isAnimationActive={false}
            connectNulls={false}
            activeDot={false}
            dot={(props) => {
              const p = points[props.index];
              if (!p || p.total === null || props.cx === undefined || props.cy === undefined) return <g key={`dot-${props.index}`} />;
              return pointButton(p, props.cx, props.cy, props.index, false);
            }}
          />
          {/* No line here: only the markers of visits that have a safety alert but no total. */}
          <Line
            type="linear"
            dataKey="alertMark"
            stroke="none"
            isAnimationActive={false}
            connectNulls={false}
            activeDot={false}
            legendType="none"
            dot={(props) => {
              const p = points[props.index];
              if (!p || p.alertMark === null || props.cx === undefined || props.cy === undefined) return <g key={`alert-${props.index}`} />;
              return pointButton(p, props.cx, props.cy, props.index, true);
            }}
          />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
