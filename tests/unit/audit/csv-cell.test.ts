import { describe, expect, it } from 'vitest';
import { auditCsvLine, csvCell } from '../../../server/audit/audit.service';

describe('audit CSV cells', () => {
  it.each([
    ['plain', 'plain'],
    ['=HYPERLINK("http://x")', `"'=HYPERLINK(""http://x"")"`],
    ['+1+1', "'+1+1"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=1', "'\t=1"],
    ['a,b', '"a,b"'],
    ['line\nbreak', '"line\nbreak"'],
    ['say "hi"', '"say ""hi"""'],
  ])('%j becomes %j', (input, expected) => {
    expect(csvCell(input)).toBe(expected);
  });

  it('writes null as an empty cell and numbers as they are', () => {
    expect(csvCell(null)).toBe('');
    expect(csvCell(42)).toBe('42');
  });

  it('a whole line has one cell per column and ends in CRLF', () => {
    const line = auditCsvLine({
      id: 'i',
      seq: 7,
      at: '2030-01-01T00:00:00.000Z',
      actorKind: 'staff',
      actorId: 'a',
      action: 'patient.read',
      outcome: 'success',
      patientId: '=cmd',
      visitId: null,
      staffId: null,
      participantId: null,
      checkinId: null,
      linkId: null,
      requestId: null,
      ip: '127.0.0.1',
      hash: 'h',
    });
    expect(line).toBe("7,2030-01-01T00:00:00.000Z,staff,a,patient.read,success,'=cmd,,,,,,,127.0.0.1,h\r\n");
  });
});
