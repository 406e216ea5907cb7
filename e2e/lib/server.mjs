// Starts the packaged server (server/target/webphone.jar) for one test file: free loopback ports, a temporary
// DATA_DIR, a log file kept under e2e/target/logs/ (its tail is printed when a test fails).
import { spawn, execFile } from 'node:child_process';
import { closeSync, existsSync, openSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { E2E_DIR, TARGET_DIR } from './paths.mjs';

export const SERVER_JAR = process.env.E2E_SERVER_JAR ?? join(E2E_DIR, '..', 'server', 'target', 'webphone.jar');
const STARTUP_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;
const MEDIA_PORT_COUNT = 40;

/** A TCP port that was free a moment ago on 127.0.0.1 (the OS picks it). */
function freeTcpPort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function udpPortFree(port) {
  return new Promise((resolve) => {
    const sock = createSocket('udp4');
    sock.once('error', () => resolve(false));
    sock.bind(port, '127.0.0.1', () => sock.close(() => resolve(true)));
  });
}

/** SIP uses the same number for UDP and TCP: find a TCP port whose UDP twin is free too. */
async function freeTcpAndUdpPort() {
  for (let i = 0; i < 50; i++) {
    const port = await freeTcpPort();
    if (await udpPortFree(port)) return port;
  }
  throw new Error('no port free for both TCP and UDP');
}

/** A run of UDP ports for the media relay, away from the ephemeral range the OS hands out. */
async function freeUdpRange(count) {
  for (let attempt = 0; attempt < 30; attempt++) {
    const first = 20000 + 2 * Math.floor(Math.random() * 5000); // even start, 20000-29998
    let ok = true;
    for (let p = first; p < first + count && ok; p += 7) ok = await udpPortFree(p); // sampled, bounded cost
    if (ok && (await udpPortFree(first + count - 1))) return { first, last: first + count - 1 };
  }
  throw new Error('no free UDP range for media');
}

/**
 * HTTP(S) request against the test server (self-signed certificate accepted). Returns {status, headers, body}
 * with body as a string; `json` parses it.
 */
export function fetchText(url, { method = 'GET', headers = {}, body, timeoutMs = 10_000 } = {}) {
  const u = new URL(url);
  const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      u,
      { method, headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers }, rejectUnauthorized: false, timeout: timeoutMs },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const buffer = Buffer.concat(chunks);
          resolve({ status: res.statusCode, headers: res.headers, buffer, body: buffer.toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    if (body !== undefined) req.write(typeof body === 'string' ? body : JSON.stringify(body));
    req.end();
  });
}

export async function fetchJson(url, options) {
  const res = await fetchText(url, options);
  let json;
  try {
    json = JSON.parse(res.body);
  } catch {
    throw new Error(`${url}: status ${res.status}, not JSON: ${res.body.slice(0, 200)}`);
  }
  return { ...res, json };
}

/** The environment for the server: this process's, minus any WEBPHONE_* settings of the caller's shell. */
function serverEnv(settings) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('WEBPHONE_')));
  return { ...env, ...settings };
}

export class TestServer {
  constructor({ name, dataDir, logFile, ports, env, jvmOptions = [] }) {
    this.jvmOptions = jvmOptions;
    this.name = name;
    this.dataDir = dataDir;
    this.logFile = logFile;
    this.ports = ports;
    this.env = env;
    this.baseUrl = `https://localhost:${ports.https}`;
    this.httpUrl = `http://127.0.0.1:${ports.http}`;
    this.process = undefined;
    this.exit = undefined;
  }

  /** The last lines of the server log, for failure messages. */
  logTail(lines = 60) {
    if (!existsSync(this.logFile)) return '(no server log)';
    const text = readFileSync(this.logFile, 'utf8').split('\n');
    return `--- last ${lines} lines of ${this.logFile} ---\n` + text.slice(-lines).join('\n');
  }

  logText() {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
  }

  async start() {
    const log = openSync(this.logFile, 'a');
    const java = process.env.JAVA ?? 'java';
    this.process = spawn(java, ['-Xmx384m', '-XX:+UseSerialGC', ...this.jvmOptions, '-jar', SERVER_JAR, 'serve'], {
      env: serverEnv(this.env),
      stdio: ['ignore', log, log],
    });
    this.exited = new Promise((resolve) => {
      this.process.once('exit', (code, signal) => {
        this.exit = { code, signal };
        closeSync(log);
        resolve(this.exit);
      });
    });
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    let lastError = 'no answer';
    while (Date.now() < deadline) {
      if (this.exit) throw new Error(`server exited during startup (${JSON.stringify(this.exit)})\n${this.logTail()}`);
      try {
        const res = await fetchJson(`${this.baseUrl}/healthz`, { timeoutMs: 2000 });
        if (res.status === 200 && res.json.status === 'ok') return this;
        lastError = `status ${res.status}: ${res.body}`;
      } catch (e) {
        lastError = e.message;
      }
      await sleep(250);
    }
    await this.stop();
    throw new Error(`server not ready after ${STARTUP_TIMEOUT_MS} ms (${lastError})\n${this.logTail()}`);
  }

  /** SIGTERM, wait for a clean exit (bounded), SIGKILL as the last resort. Returns the exit status. */
  async stop() {
    if (!this.process || this.exit) return this.exit;
    this.process.kill('SIGTERM');
    const stopped = await Promise.race([this.exited, sleep(STOP_TIMEOUT_MS, undefined, { ref: false })]);
    if (!stopped) {
      this.process.kill('SIGKILL');
      await this.exited;
    }
    return this.exit;
  }

  /** Runs a CLI subcommand of the same jar against the same configuration (e.g. ['numbers', 'list']). */
  cli(args, timeoutMs = 60_000) {
    const java = process.env.JAVA ?? 'java';
    return new Promise((resolve, reject) => {
      execFile(java, ['-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-jar', SERVER_JAR, ...args],
        { env: serverEnv(this.env), timeout: timeoutMs },
        (error, stdout, stderr) => {
          if (error) reject(new Error(`webphone ${args.join(' ')} failed: ${error.message}\n${stdout}\n${stderr}`));
          else resolve(stdout);
        });
    });
  }

  /** The Prometheus text of /metrics parsed into {name{labels}: value}. */
  async metrics() {
    const res = await fetchText(`${this.baseUrl}/metrics`);
    const values = {};
    for (const line of res.body.split('\n')) {
      if (!line || line.startsWith('#')) continue;
      const m = /^(\S+)\s+(\S+)/.exec(line);
      if (m) values[m[1]] = Number(m[2]);
    }
    return values;
  }

  /** Sum of every series of one metric (e.g. 'sip_registrations_active'); undefined when the server has none. */
  async metric(name) {
    const values = await this.metrics();
    let sum;
    for (const [key, value] of Object.entries(values)) {
      if (key === name || key.startsWith(`${name}{`)) sum = (sum ?? 0) + value;
    }
    return sum;
  }

  async cleanup() {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/**
 * Extra server settings for a whole run, e.g. E2E_SERVER_ENV="WEBPHONE_DB_URL=jdbc:mariadb://... WEBPHONE_X=y"
 * (space-separated KEY=VALUE); they win over the tests' own.
 */
function extraSettings() {
  const out = {};
  for (const pair of (process.env.E2E_SERVER_ENV ?? '').split(/\s+/).filter(Boolean)) {
    const i = pair.indexOf('=');
    if (i <= 0 || !pair.startsWith('WEBPHONE_')) throw new Error(`E2E_SERVER_ENV: expected WEBPHONE_KEY=VALUE, got ${pair}`);
    out[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return out;
}

/**
 * Starts a server on fresh ports and data. `env` adds/overrides WEBPHONE_* settings; `jvmOptions` go before
 * -jar (e.g. a trust store). The caller stops it (`await server.cleanup()` in an `after` hook).
 */
export async function startServer(name, env = {}, { jvmOptions = [] } = {}) {
  if (!existsSync(SERVER_JAR)) {
    throw new Error(`${SERVER_JAR} not found: build it first (mvn -Dskip.npm=true -pl server package -DskipTests after building pwa)`);
  }
  const logs = join(TARGET_DIR, 'logs');
  mkdirSync(logs, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), `webphone-e2e-${name}-`));
  const logFile = join(logs, `${name}-server.log`);
  rmSync(logFile, { force: true });
  const ports = {
    http: await freeTcpPort(),
    https: await freeTcpPort(),
    sip: await freeTcpAndUdpPort(),
    sips: await freeTcpPort(),
    media: await freeUdpRange(MEDIA_PORT_COUNT),
  };
  const server = new TestServer({
    name,
    jvmOptions,
    dataDir,
    logFile,
    ports,
    env: {
      WEBPHONE_DATA_DIR: dataDir,
      WEBPHONE_DOMAIN: 'localhost',
      WEBPHONE_BIND_ADDRESS: '127.0.0.1',
      WEBPHONE_PUBLIC_IP: '127.0.0.1',
      WEBPHONE_HTTP_PORT: String(ports.http),
      WEBPHONE_HTTPS_PORT: String(ports.https),
      WEBPHONE_SIP_PORT: String(ports.sip),
      WEBPHONE_SIPS_PORT: String(ports.sips),
      WEBPHONE_MEDIA_PORTS: `${ports.media.first}-${ports.media.last}`,
      WEBPHONE_NUMBER_RATE_LIMIT: '0',
      WEBPHONE_LOG_LEVEL: process.env.E2E_SERVER_LOG_LEVEL ?? 'debug',
      ...env,
      ...extraSettings(),
    },
  });
  await server.start();
  return server;
}
