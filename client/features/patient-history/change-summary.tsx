import type { HistoryEntry } from '@shared/api/checkins.schema';
import type { InstrumentDetail } from '@shared/api/instruments.schema';
import { changeAlong, type ChangeRule, type ScoreChange, type ScorePoint } from '@shared/outcomes/change';

/** What the change rule needs of a shared check-in: its total, and how many summed items were declined. */
export function scorePointOf(entry: HistoryEntry, definition: InstrumentDetail): ScorePoint {
  const excluded = new Set(definition.items.filter((i) => i.excludeFromTotal).map((i) => i.linkId));
  return {
    total: entry.result?.total ?? null,
    declinedSummed: (entry.items ?? []).filter((i) => i.declined && !excluded.has(i.linkId)).length,
  };
}

function ChangeLine({ heading, change, from, to }: { heading: string; change: ScoreChange; from: string; to: string }) {
  return (
    <li>
      <strong>{heading}</strong> ({from} → {to}, {change.from} → {change.to}):
      <ul>
        <li>{change.changeText}.</li>
        <li>{change.recoveryText}.</li>
      </ul>
    </li>
  );
}

/**
 * Reliable change and recovery for PHQ-9 or GAD-7, in words that name the rule and its threshold,
 * between the first and latest complete totals and between the latest two. A visit without a
 * complete total is skipped, never counted as zero. The source is in the footnote.
 */
export function ChangeSummary({
  rule,
  entries,
  definition,
  labelOf,
}: {
  rule: ChangeRule;
  entries: HistoryEntry[];
  definition: InstrumentDetail;
  labelOf: (e: HistoryEntry) => string;
}) {
  const along = changeAlong(
    rule,
    entries.map((e) => scorePointOf(e, definition)),
  );
  const lastAt = along.findLastIndex((p) => p.sinceFirst !== null || p.sincePrevious !== null);
  const last = lastAt >= 0 ? along[lastAt] : undefined;
  const latest = entries[lastAt];
  const complete = entries.filter((e) => scorePointOf(e, definition).total !== null && scorePointOf(e, definition).declinedSummed === 0);
  const first = complete[0];
  const previous = complete.at(-2);
  return (
    <section className="change-summary" data-testid="change-summary" aria-label={`${rule.measure}: change between scores`}>
      <h3>Change between scores</h3>
      {!last || !latest || !first ? (
        <p className="muted">
          Change is shown once there are two complete totals (a total with a declined or missing item is not compared).
        </p>
      ) : (
        <ul className="change-lines">
          {last.sinceFirst && <ChangeLine heading="First to latest" change={last.sinceFirst} from={labelOf(first)} to={labelOf(latest)} />}
          {last.sincePrevious && previous && previous.id !== first.id && (
            <ChangeLine heading="Previous to latest" change={last.sincePrevious} from={labelOf(previous)} to={labelOf(latest)} />
          )}
        </ul>
      )}
      <p className="muted change-rule">
        Rule, per measure ({rule.measure} alone): a change of {rule.reliableChange} points or more is reliable; a total of {rule.caseness}{' '}
        or more is at the case cut-off; recovery is moving from at or above it to below it. Source: {rule.source}. These labels describe
        scores; they do not diagnose.
      </p>
    </section>
  );
}
