import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { JoinPage } from './app/join-page';
import './app/styles.css';

// The patient's entry (join.html, served for /join/<token>): the join page alone, without the staff
// app's router, session or pages, so a phone on a slow network fetches only what the patient needs.
function tokenFromPath(): string {
  const raw = /^\/join\/([^/]+)/.exec(window.location.pathname)?.[1] ?? '';
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw; // not a link we issued: the server answers it as unknown
  }
}

const root = document.getElementById('root');
if (!root) throw new Error('missing #root');
createRoot(root).render(
  <StrictMode>
    <JoinPage token={tokenFromPath()} />
  </StrictMode>,
);
