import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { PHQ9_ITEMS, PHQ_OPTION } from '../../helpers/checkin-builder';
import { startServerProcess, type ServerProcess } from '../../helpers/server-process';
import { admittedPatientWithCheckin } from '../platform/fault-tools';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alcove-restart-'));
const DATABASE_URL = `sqlite:${path.join(dir, 'alcove.db')}`;
let server: ServerProcess | undefined;
afterAll(async () => {
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a server restart in the middle of a check-in', () => {
  it('loses no answer: after the restart the patient finds every saved answer and goes on', async () => {
    server = await startServerProcess('restart-before', { DATABASE_URL });
    const { checkinId, patient } = await admittedPatientWithCheckin(server);
    const given = PHQ9_ITEMS.slice(0, 3);
    for (const linkId of given) {
      await patient.put(`/api/checkins/${checkinId}/answers/${linkId}`).send({ value: PHQ_OPTION[1] }).expect(200);
    }

    await server.stop();
    server = await startServerProcess('restart-after', { DATABASE_URL });
    // The restarted server listens on a new port; the patient's browser keeps its cookie, so carry it over.
    const cookie = patient.jar.getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false }).map((c) => c.toValueString()).join('; ');
    const after = await request(server.url).get(`/api/checkins/${checkinId}`).set('Cookie', cookie).expect(200);
    const answers = after.body.checkin.answers as Record<string, string>;
    for (const linkId of given) expect(answers[linkId]).toBe(PHQ_OPTION[1]);
    await request(server.url).put(`/api/checkins/${checkinId}/answers/${PHQ9_ITEMS[3]}`).set('Cookie', cookie).send({ value: PHQ_OPTION[0] }).expect(200);
  });
});
