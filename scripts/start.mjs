// `npm start`: build the client when it is missing or older than its sources, start a local
// LiveKit dev server when one is installed and none is configured, then run the server.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const builtIndex = path.join(root, 'dist/client/index.html');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

const sourcesMtime = Math.max(newestMtime(path.join(root, 'client')), newestMtime(path.join(root, 'shared')));
if (!fs.existsSync(builtIndex) || fs.statSync(builtIndex).mtimeMs < sourcesMtime) {
  console.log('Building the client…');
  const build = spawnSync(process.execPath, [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const children = [];
const env = { ...process.env };
if (!env.LIVEKIT_URL) {
  const onPath = spawnSync('sh', ['-c', 'command -v livekit-server'], { encoding: 'utf8' }).stdout.trim();
  if (onPath) {
    console.log('Starting livekit-server --dev (ws://127.0.0.1:7880)…');
    const lk = spawn(onPath, ['--dev', '--bind', '127.0.0.1'], { stdio: ['ignore', 'ignore', 'inherit'] });
    lk.on('error', () => undefined);
    children.push(lk);
    env.LIVEKIT_URL = 'ws://127.0.0.1:7880';
  }
}

const server = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'server/main.ts')], { cwd: root, env, stdio: 'inherit' });
children.push(server);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const child of children) if (child.exitCode === null) child.kill(signal);
  });
}
server.on('exit', (code, signal) => {
  for (const child of children) if (child !== server && child.exitCode === null) child.kill('SIGTERM');
  process.exit(code ?? (signal ? 1 : 0));
});
