import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, PHONE, hasChromium, launchBrowser, newContext, signInOnPage } from '../helpers/browser';
import { startLivekitStandIn, type LivekitStandIn } from '../helpers/livekit-stand-in';
import { startServerProcess, type ServerProcess } from '../helpers/server-process';
import { type ApiClient, createVisitAsScheduler, clinicStaff } from '../helpers/visit-setup';

/*
 * Every feature on a page shares the page's one socket.io connection. The browser is asked what it
 * actually opened: WebSocket connections to /socket.io/ and polling handshakes (a request without
 * a session id starts a new engine.io connection).
 */

interface ConnectionCounter {
  count(): number;
  reset(): void;
}

function countSocketConnections(page: Page): ConnectionCounter {
  let n = 0;
  // A URL with a session id is an upgrade or a later poll of a connection already counted.
  const isNewConnection = (raw: string) => {
    const url = new URL(raw);
    return url.pathname.startsWith('/socket.io/') && !url.searchParams.has('sid');
  };
  page.on('websocket', (ws) => {
    if (isNewConnection(ws.url())) n += 1;
  });
  page.on('request', (req) => {
    if (isNewConnection(req.url()) && new URL(req.url()).searchParams.get('transport') === 'polling') n += 1;
  });
  return { count: () => n, reset: () => (n = 0) };
}

/** Long enough for every feature on the page to have opened whatever it opens. */
const SETTLE_MS = 2500;

describe.skipIf(!hasChromium)('one socket.io connection per page', () => {
  let standIn: LivekitStandIn;
  let server: ServerProcess;
  let browser: Browser;
  let scheduler: ApiClient;
  let clinicianId: string;
  let clinicianPassword: string;

  beforeAll(async () => {
    standIn = await startLivekitStandIn();
    server = await startServerProcess('e2e-one-socket', { LIVEKIT_URL: standIn.url });
    ({ scheduler, clinicianId, clinicianPassword } = await clinicStaff(server));
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await standIn?.close();
  });

  it("the patient's call page and the clinician's visit page each open exactly one socket", async () => {
    const { visitId, joinPath } = await createVisitAsScheduler(scheduler, { clinicianIds: [clinicianId], preferredName: 'Robin' });
    const patientCtx = await newContext(browser, PHONE, server.url);
    const clinicianCtx = await newContext(browser, DESKTOP, server.url);
    const patient = await patientCtx.newPage();
    const clinician = await clinicianCtx.newPage();
    const patientSockets = countSocketConnections(patient);
    const clinicianSockets = countSocketConnections(clinician);

    await patient.goto(joinPath);
    await patient.getByRole('button', { name: 'I understand, continue' }).click();
    await patient.getByRole('radio', { name: 'With my camera off for now' }).check();
    await patient.getByRole('button', { name: 'Continue', exact: true }).click();
    await patient.getByTestId('waiting-room').waitFor();

    await signInOnPage(clinician, 'rivera@clinic.test', clinicianPassword);
    // The today page (the clinician's start page) has its own socket: let it open before counting.
    await clinician.getByRole('heading', { name: 'Today' }).waitFor();
    await clinician.waitForTimeout(SETTLE_MS);

    // The clinician's visit page, loaded fresh: waiting room, check-ins and the call share one socket.
    clinicianSockets.reset();
    await clinician.goto(`/visits/${visitId}`);
    await clinician.getByRole('button', { name: 'Admit Robin' }).click();
    await patient.getByTestId('video-call').waitFor();
    await clinician.getByRole('button', { name: 'Join video' }).click();
    await clinician.getByTestId('video-call').waitFor();
    await clinician.getByTestId('checkin-console').getByRole('checkbox', { name: /PHQ-9/ }).waitFor();
    await clinician.waitForTimeout(SETTLE_MS);
    expect(clinicianSockets.count()).toBe(1);

    // The patient's call page, loaded fresh: the join flow and the check-in panel share one socket.
    patientSockets.reset();
    await patient.reload();
    await patient.getByTestId('video-call').waitFor();
    await patient.waitForTimeout(SETTLE_MS);
    expect(patientSockets.count()).toBe(1);

    // And the one socket is live: a check-in sent now reaches the patient's panel.
    const console_ = clinician.getByTestId('checkin-console');
    await console_.getByRole('checkbox', { name: /PHQ-9/ }).check();
    await console_.getByRole('button', { name: 'Send', exact: true }).click();
    await patient.getByTestId('checkin-panel').getByRole('heading', { name: 'Is it safe to talk right now?' }).waitFor();
    expect(patientSockets.count()).toBe(1);

    await patientCtx.close();
    await clinicianCtx.close();
  });
});
