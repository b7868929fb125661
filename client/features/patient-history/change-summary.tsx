import type { HistoryEntry } from '@shared/api/checkins.schema';
import type { InstrumentDetail } from '@shared/api/instruments.schema';
import { changeAlong, scorePointOf, usableTotal, type ChangeRule, type ScoreChange, type ScorePoint } from '@shared/outcomes/change';

/** What the change rule needs of a shared check-in: its total, and how many summed items were declined. */
export function entryScorePoint(entry: HistoryEntry, definition: InstrumentDetail): ScorePoint {
  return scorePointOf(
    entry,
    definition.items.filter((i) => i.excludeFromTotal).map((i) => i.linkId),
  );
}

const LABEL: Record<ScoreChange['reliableChange'], string> = {
  'reliable-improvement': 'Reliable improvement',
  'reliable-deterioration': 'Reliable deterioration',
  'no-reliable-change': 'No reliable change',
};
const RECOVERY_LABEL: Partial<Record<ScoreChange['recovery'], string>> = {
  'reliable-recovery': 'Reliable recovery',
  recovery: 'Recovered',
  'not-recovered': 'Not recovered',
};

function ChangeLine({ heading, change, from, to }: { heading: string; change: ScoreChange; from: string; to: string }) {
  const recovery = RECOVERY_LABEL[change.recovery];
  return (
    <li data-testid="change-line">
      <strong>{heading}</strong> ({from} → {to}, {change.from} → {change.to}):{' '}
      <span className={`badge change-badge change-${change.reliableChange}`} data-testid="change-label">
        {LABEL[change.reliableChange]}
      </span>
      {recovery && (
        <span className={`badge change-badge change-${change.recovery}`} data-testid="recovery-label">
          {recovery}
        </span>
      )}
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
 * complete total is skipped, never counted as zero. The rule and its source are on screen, with the
 * working in a "How this is worked out" disclosure.
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
  const points = entries.map((e) => entryScorePoint(e, definition));
  const along = changeAlong(rule, points);
  const lastAt = along.findLastIndex((p) => p.sinceFirst !== null || p.sincePrevious !== null);
  const last = lastAt >= 0 ? along[lastAt] : undefined;
  const latest = entries[lastAt];
  const complete = entries.filter((_, i) => usableTotal(points[i]!) !== null);
  const first = complete[0];
  const previous = complete.at(-2);
  return (
    <section className="change-summary" data-testid="change-summary" aria-label={`${rule.measure}: change between scores`}>
      <h4>Change between scores</h4>
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
      <p className="muted change-rule" data-testid="change-rule">
        Rule, per measure ({rule.measure} alone{rule.origin === 'clinic' ? ', set by this clinic' : ''}): a change of {rule.reliableChange}{' '}
        points or more is reliable;{' '}
        {rule.caseness !== null ? (
          <>a total of {rule.caseness} or more is at the case cut-off; recovery is moving from at or above it to below it.</>
        ) : (
          <>this rule sets no case cut-off, so recovery is not assessed.</>
        )}{' '}
        Source: {rule.source}. These labels describe scores; they do not diagnose.
      </p>
      <details className="change-working">
        <summary>How this is worked out</summary>
        <ul>
          <li>
            <strong>Reliable change</strong>: a difference of {rule.reliableChange} points or more between two {rule.measure} totals is
            larger than the measure’s own noise. A fall of {rule.reliableChange} or more is a reliable improvement, a rise of{' '}
            {rule.reliableChange} or more a reliable deterioration; anything smaller is no reliable change.
          </li>
          {rule.caseness !== null ? (
            <li>
              <strong>Caseness</strong>: a {rule.measure} total of {rule.caseness} or more. <strong>Recovered</strong>: the earlier total
              was at or above {rule.caseness} and the later one is below it. <strong>Reliable recovery</strong>: recovered with a reliable
              improvement. An earlier total below {rule.caseness} cannot recover, and the summary says so.
            </li>
          ) : (
            <li>
              <strong>Recovery</strong> needs a case cut-off, and the rule in use for {rule.measure} sets none, so no recovery label is
              given.
            </li>
          )}
          <li>
            Compared: the first and the latest complete totals, and the latest and the one before it; the table compares each visit with the
            previous complete total. A total with a declined or missing question, or no total at all, is never compared and never counted as
            zero: it is a gap in the line.
          </li>
          <li>
            Each measure on its own: NHS Talking Therapies also counts a person as a case when either PHQ-9 or GAD-7 is at caseness, and as
            recovered when both are below; that combined rule is not applied here.
          </li>
          <li>
            Source: {rule.source}.{rule.origin === 'clinic' && <> These figures were set by this clinic in place of the published ones.</>}
          </li>
        </ul>
      </details>
    </section>
  );
}
