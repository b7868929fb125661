/** Builds a short, soft two-note chime as a WAV blob URL (CSP allows blob: media, not data:). */
function chimeUrl(): string {
  const rate = 22050;
  const seconds = 0.9;
  const n = Math.floor(rate * seconds);
  const buffer = new ArrayBuffer(44 + n * 2);
  const view = new DataView(buffer);
  const text = (offset: number, s: string) => [...s].forEach((c, i) => view.setUint8(offset + i, c.charCodeAt(0)));
  text(0, 'RIFF');
  view.setUint32(4, 36 + n * 2, true);
  text(8, 'WAVE');
  text(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, rate, true);
  view.setUint32(28, rate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  text(36, 'data');
  view.setUint32(40, n * 2, true);
  for (let i = 0; i < n; i++) {
    const time = i / rate;
    const freq = time < seconds / 2 ? 660 : 880;
    const envelope = Math.min(1, time * 30) * Math.max(0, 1 - ((time % (seconds / 2)) / (seconds / 2)) ** 2);
    view.setInt16(44 + i * 2, Math.sin(2 * Math.PI * freq * time) * envelope * 0.35 * 0x7fff, true);
  }
  return URL.createObjectURL(new Blob([buffer], { type: 'audio/wav' }));
}

/** Plays the chime on the chosen speaker where the browser allows choosing one. */
export async function playTestSound(sinkId?: string): Promise<void> {
  const url = chimeUrl();
  const audio = new Audio(url);
  const withSink = audio as HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> };
  if (sinkId && withSink.setSinkId) await withSink.setSinkId(sinkId);
  audio.addEventListener('ended', () => URL.revokeObjectURL(url), { once: true });
  await audio.play();
}
