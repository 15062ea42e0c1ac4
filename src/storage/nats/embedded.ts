// Runs a private nats-server (JetStream, loopback only, random port) for a gateway started without a NATS
// URL. It must never outlive the gateway: `setpriv --pdeathsig KILL` makes the kernel kill it even when the
// gateway is SIGKILLed, and a pid file in the store dir lets the next start stop a server a crash left behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { constants, readFileSync } from 'node:fs';
import { access, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect as tcpConnect } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';

export interface EmbeddedNatsOptions {
  /** nats-server executable: a path, or a name looked up on PATH (the gateway's --nats-server-bin). */
  bin: string;
  /** JetStream store directory; also holds the pid file. */
  storeDir: string;
  host?: string;
  /** Each line nats-server logs. */
  log?: (line: string) => void;
  startTimeoutMs?: number;
  /** More nats-server flags (a config file with -c, auth for tests, …). */
  extraArgs?: string[];
}

export interface EmbeddedNatsServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export const PID_FILE = 'nats-server.pid';
const TAIL_LINES = 30;
const STOP_TIMEOUT_MS = 10_000;
const LISTENING = /Listening for client connections on (\S+):(\d+)/;

export async function startEmbeddedNatsServer(opts: EmbeddedNatsOptions): Promise<EmbeddedNatsServer> {
  const host = opts.host ?? '127.0.0.1';
  const bin = await findExecutable(opts.bin);
  if (bin === undefined) {
    throw new Error(
      `nats-server not found: "${opts.bin}" is not an executable file or on PATH; install nats-server or set --nats-server-bin`,
    );
  }
  const storeDir = path.resolve(opts.storeDir);
  await mkdir(storeDir, { recursive: true });
  const pidFile = path.join(storeDir, PID_FILE);
  await stopStale(pidFile, storeDir, opts.log);

  const args = ['-js', '-sd', storeDir, '-a', host, '-p', '-1', ...(opts.extraArgs ?? [])];
  const setpriv = process.platform === 'linux' ? await findExecutable('setpriv') : undefined;
  const child = setpriv
    ? spawn(setpriv, ['--pdeathsig', 'KILL', '--', bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  // setpriv execs nats-server, so the pid is the server's either way.
  const pid = child.pid;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const tail: string[] = [];
  const ready = new Promise<number>((resolve, reject) => {
    let port: number | undefined;
    const onLine = (line: string): void => {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      opts.log?.(line);
      const m = LISTENING.exec(line);
      if (m) port = Number(m[2]);
      if (port !== undefined && line.includes('Server is ready')) resolve(port);
    };
    // Keep reading after start-up too: a full pipe would block the server.
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);
    child.once('error', reject);
    // 'close' (not 'exit') so its last output lines are in the tail first.
    child.once('close', (code) => reject(new Error(`nats-server exited (code ${code}) before it was ready`)));
  });

  ready.catch(() => {}); // observed below; listeners had to be attached before any await
  if (pid !== undefined) await writeFile(pidFile, `${pid}\n`);

  const fail = async (why: unknown): Promise<never> => {
    await stopChild(child, exited);
    process.removeListener('exit', killOnExit);
    await removePidFile(pidFile, pid);
    const out = tail.length > 0 ? `\n--- nats-server output (last lines) ---\n${tail.join('\n')}` : '';
    throw new Error(`could not start nats-server (${bin}, --nats-server-bin): ${String(why)}${out}`, {
      cause: why,
    });
  };

  const timeoutMs = opts.startTimeoutMs ?? 15_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not ready after ${timeoutMs} ms`)), timeoutMs);
  });
  let port: number;
  try {
    port = await Promise.race([ready, timeout]);
    await Promise.race([probe(host, port), timeout]);
  } catch (e) {
    return fail(e);
  } finally {
    clearTimeout(timer);
  }

  let stopping: Promise<void> | undefined;
  void exited.then((code) => {
    if (stopping === undefined) opts.log?.(`nats-server exited unexpectedly (code ${code})`);
  });
  return {
    url: `nats://${host}:${port}`,
    pid: pid!,
    stop: () =>
      (stopping ??= (async () => {
        await stopChild(child, exited);
        process.removeListener('exit', killOnExit);
        await removePidFile(pidFile, pid);
      })()),
  };
}

/** nats-server 2.9+ handles SIGTERM as a clean shutdown (JetStream flushed); SIGKILL if it hangs. */
async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), STOP_TIMEOUT_MS);
  });
  const r = await Promise.race([exited, late]);
  clearTimeout(timer);
  if (r === 'late') {
    child.kill('SIGKILL');
    await exited;
  }
}

/** Waits for the INFO line a NATS server sends to every new client: it accepts connections. */
function probe(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = tcpConnect({ host, port });
    sock.once('data', (d) => {
      sock.destroy();
      if (d.toString('latin1').startsWith('INFO')) resolve();
      else reject(new Error('unexpected greeting from nats-server'));
    });
    sock.once('error', reject);
  });
}

/** A server a crashed gateway left running on this store dir, identified by pid file and command line. */
async function stopStale(pidFile: string, storeDir: string, log?: (line: string) => void): Promise<void> {
  let pid: number;
  try {
    pid = Number.parseInt(await readFile(pidFile, 'utf8'), 10);
  } catch {
    return;
  }
  if (Number.isInteger(pid) && pid > 0 && (await isOurServer(pid, storeDir))) {
    log?.(`stopping stale nats-server pid ${pid} left on ${storeDir}`);
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    while (isAlive(pid)) await new Promise((r) => setTimeout(r, 20));
  }
  await rm(pidFile, { force: true });
}

/** Only a live nats-server on this very store dir: pids get reused, and we must not kill a stranger. */
async function isOurServer(pid: number, storeDir: string): Promise<boolean> {
  try {
    const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    return argv.some((a) => path.basename(a).startsWith('nats-server')) && argv.includes(storeDir);
  } catch {
    return false; // gone, or no /proc (then the pid file alone is not proof enough)
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers kill(0); it no longer holds the port or the store.
  return !zombie(pid);
}

function zombie(pid: number): boolean {
  try {
    // `pid (comm) S …`: the state letter follows the last ')'. Sync: /proc reads never block.
    return /\)\s+Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function removePidFile(pidFile: string, pid: number | undefined): Promise<void> {
  try {
    if (Number.parseInt(await readFile(pidFile, 'utf8'), 10) === pid) await rm(pidFile, { force: true });
  } catch {
    // already gone
  }
}

async function findExecutable(name: string): Promise<string | undefined> {
  const candidates = name.includes('/')
    ? [path.resolve(name)]
    : (process.env.PATH ?? '')
        .split(path.delimiter)
        .filter(Boolean)
        .map((d) => path.join(d, name));
  for (const c of candidates) {
    try {
      await access(c, constants.X_OK);
      return c;
    } catch {
      // next
    }
  }
  return undefined;
}
