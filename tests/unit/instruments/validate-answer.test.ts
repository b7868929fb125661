import { describe, expect, it } from 'vitest';
import { DECLINED } from '@shared/instruments/definition.schema';
import { isItemEnabled, validateAnswer } from '@shared/instruments/scoring';
import { answersFor, builtIn } from './helpers';

const phq9 = builtIn('phq-9');
const sh = builtIn('alcove-sexual-health');

describe('validateAnswer', () => {
  it.each<[string, string, unknown, unknown]>([
    ['single: an option code', '44250-9', 'LA6570-1', 'LA6570-1'],
    ['single: prefer not to answer', '44250-9', DECLINED, DECLINED],
    ['text: prefer not to answer', 'note', DECLINED, DECLINED],
    ['multiple: prefer not to answer as a string', 'changes', DECLINED, DECLINED],
    ['multiple: prefer not to answer alone in an array', 'changes', [DECLINED], DECLINED],
    ['multiple: codes, returned in the definition’s order without repeats', 'changes', ['pain', 'interest', 'pain'], ['interest', 'pain']],
    ['multiple: one exclusive option alone', 'changes', ['not-sexually-active'], ['not-sexually-active']],
    ['text: within the limit, newlines kept', 'note', 'line one\nline two', 'line one\nline two'],
    ['text: exactly at the limit', 'note', 'é'.repeat(1000), 'é'.repeat(1000)],
    ['text: empty clears the answer', 'note', '', ''],
  ])('accepts %s', (_name, linkId, value, normalised) => {
    const def = linkId.includes('-') && /^\d/.test(linkId) ? phq9 : sh;
    expect(validateAnswer(def, linkId, value)).toEqual({ ok: true, value: normalised });
  });

  it.each<[string, string, unknown]>([
    ['single: a code that is not an option', '44250-9', 'LA6572-7'],
    ['single: a number (the score, not the code)', '44250-9', 2],
    ['single: an array', '44250-9', ['LA6570-1']],
    ['single: null', '44250-9', null],
    ['single: an object', '44250-9', { code: 'LA6570-1' }],
    ['multiple: a bare string', 'changes', 'pain'],
    ['multiple: an empty array', 'changes', []],
    ['multiple: an unknown code', 'changes', ['pain', 'nope']],
    ['multiple: an exclusive option with others', 'changes', ['no-change', 'pain']],
    ['multiple: prefer not to answer with others', 'changes', [DECLINED, 'pain']],
    ['multiple: a number inside', 'changes', ['pain', 3]],
    ['text: over the limit', 'note', 'x'.repeat(1001)],
    ['text: a control character', 'note', 'bell\u0007'],
    ['text: not a string', 'note', ['a']],
  ])('rejects %s as invalid_value', (_name, linkId, value) => {
    const def = /^\d/.test(linkId) ? phq9 : sh;
    const result = validateAnswer(def, linkId, value);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toBe('invalid_value');
  });

  it('rejects an item the instrument does not have', () => {
    expect(validateAnswer(phq9, 'nope', 'LA6570-1')).toMatchObject({ ok: false, reason: 'unknown_item' });
  });

  it('rejects answers to an item hidden by enableWhen, and accepts them once it is shown', () => {
    expect(validateAnswer(sh, 'medicine-link', 'yes', {})).toMatchObject({ ok: false, reason: 'hidden_item' });
    expect(validateAnswer(sh, 'medicine-link', 'yes', { changes: ['no-change'] })).toMatchObject({ ok: false, reason: 'hidden_item' });
    expect(validateAnswer(sh, 'medicine-link', DECLINED, { changes: DECLINED })).toMatchObject({ ok: false, reason: 'hidden_item' });
    expect(validateAnswer(sh, 'medicine-link', 'yes', { changes: ['orgasm'] })).toEqual({ ok: true, value: 'yes' });
    expect(isItemEnabled(sh, 'bother', { changes: ['arousal'] })).toBe(true);
    expect(isItemEnabled(sh, 'bother', { changes: ['no-change'] })).toBe(false);
  });

  it('PHQ-9 difficulty question: hidden while every problem is "not at all" or declined, shown after any other answer', () => {
    const allZero = answersFor(phq9, Array(9).fill(0));
    expect(validateAnswer(phq9, '69722-7', 'LA6573-5', allZero)).toMatchObject({ ok: false, reason: 'hidden_item' });
    expect(validateAnswer(phq9, '69722-7', 'LA6573-5', answersFor(phq9, ['x', 0, 0]))).toMatchObject({ ok: false, reason: 'hidden_item' });
    expect(validateAnswer(phq9, '69722-7', 'LA6573-5', answersFor(phq9, [0, 1]))).toEqual({ ok: true, value: 'LA6573-5' });
  });

  it('an item’s own previous answer does not decide whether it is shown', () => {
    // The current answer to the item itself is ignored when checking enableWhen for a new one.
    expect(validateAnswer(sh, 'changes', ['pain'], { changes: ['no-change'] })).toEqual({ ok: true, value: ['pain'] });
  });
});
