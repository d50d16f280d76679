/**
 * The real fieldcert server for the data layer's end-to-end test: a child process that
 * migrates a fresh SQLite database in a temporary instance folder, loads the demo data, and
 * serves the app on a free port of 127.0.0.1 (werkzeug, as tests/browser does). Needs the
 * project's Python environment (`make install`: ../.venv).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '../../..');
const PYTHON = join(REPO, '.venv/bin/python');

const LAUNCHER = `
import sys
from backend import create_app
from flask_migrate import upgrade
from werkzeug.serving import make_server
app = create_app()
with app.app_context():
    upgrade()
    from backend.extensions import db
    from backend.demo import load_demo_data
    load_demo_data(db.session())
server = make_server("127.0.0.1", 0, app, threaded=True)
print(f"PORT {server.server_port}", flush=True)
server.serve_forever()
`;

export interface LiveServer {
  base: string;
  stop(): Promise<void>;
}

export async function startLiveServer(): Promise<LiveServer> {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run \`make install\` first`);
  const instance = mkdtempSync(join(tmpdir(), 'fieldcert-pwa-test-'));
  const child: ChildProcess = spawn(PYTHON, ['-c', LAUNCHER], {
    cwd: REPO,
    env: { ...process.env, FIELDCERT_INSTANCE_DIR: instance, DATABASE_URL: '', FIELDCERT_ENV: 'development' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const port = await new Promise<number>((resolvePort, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /PORT (\d+)/.exec(out);
      if (m) resolvePort(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`the server exited (${code}): ${stderr}`)));
  });
  return {
    base: `http://127.0.0.1:${port}`,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(instance, { recursive: true, force: true });
    },
  };
}
