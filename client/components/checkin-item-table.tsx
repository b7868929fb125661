import './checkin-results.css';
import type { ResultItem } from '@shared/api/checkins.schema';
import type { InstrumentDetail } from '@shared/api/instruments.schema';
import { DECLINED, type AnswerValue } from '@shared/instruments/definition.schema';

/** The words of an answer: option labels, the text itself, or what was declined or skipped. */
export function answerText(definition: InstrumentDetail | undefined, linkId: string, value: AnswerValue | null): string {
  if (value === null) return 'Not answered';
  if (value === DECLINED) return 'Prefer not to answer';
  const item = definition?.items.find((i) => i.linkId === linkId);
  if (item?.type === 'text') return value as string;
  const codes = Array.isArray(value) ? value : [value];
  return codes.map((c) => item?.options?.find((o) => o.code === c)?.display ?? c).join('; ');
}

/** One row per question of a shared check-in: the question, the answer in words, and its score. */
export function CheckinItemTable({
  items,
  definition,
  caption,
}: {
  items: ResultItem[];
  definition: InstrumentDetail | undefined;
  caption: string;
}) {
  const scored = items.some((i) => i.score !== undefined);
  return (
    <div className="table-wrap checkin-items-container">
      <table className="checkin-item-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Question</th>
            <th scope="col">Answer</th>
            {scored && <th scope="col">Score</th>}
          </tr>
        </thead>
        <tbody>
          {items.map((it, i) => {
            const at = definition ? definition.items.findIndex((d) => d.linkId === it.linkId) : -1;
            const q = at >= 0 ? definition?.items[at] : undefined;
            return (
              <tr key={it.linkId} className={it.declined ? 'is-declined' : it.value === null ? 'is-missing' : undefined}>
                {/* The question's own number in the instrument, so a follow-up that did not apply leaves a gap rather than renumbering. */}
                <td className="num-cell">{at >= 0 ? at + 1 : i + 1}</td>
                <td className="question-cell">{q?.text ?? it.linkId}</td>
                <td className="answer-cell">
                  {(it.declined || it.value === null) && <span aria-hidden="true">— </span>}
                  {answerText(definition, it.linkId, it.value)}
                </td>
                {scored && (
                  <td className="score-cell">
                    {it.score !== undefined ? (
                      <>
                        <span className="score-label">Score </span>
                        {it.score}
                      </>
                    ) : q?.excludeFromTotal ? (
                      'not scored'
                    ) : (
                      <span aria-label="no score">–</span>
                    )}
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
