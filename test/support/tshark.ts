/**
 * The two real Wiresharks the capture tests read the tap's pcapng files with, both installed by
 * scripts/install-tshark.sh: tshark 4.4 (the first with a ZMTP dissector) in a Debian 13 chroot
 * under the project's cache, and the machine's own Debian 12 tshark 4.0. A missing tshark fails
 * the test that needs it: the message says how to install it.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { libzmqCacheDir } from './libzmq';

/** The Debian 13 root file system holding tshark 4.4. */
export function tshark44Root(): string {
  return join(libzmqCacheDir(), 'tshark-trixie');
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${command} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** tshark 4.4 in its chroot: as root directly, otherwise in a user namespace that maps us to root. */
function inChroot(args: readonly string[]): Promise<string> {
  const tshark = [tshark44Root(), '/usr/bin/tshark', ...args];
  return process.getuid?.() === 0 ? run('chroot', tshark) : run('unshare', ['-r', 'chroot', ...tshark]);
}

/** Runs tshark 4.4 on `file` (copied into the chroot for the run) with `args` after `-r FILE`. */
export async function tshark44(file: string, args: readonly string[]): Promise<string> {
  const root = tshark44Root();
  if (!existsSync(join(root, 'usr', 'bin', 'tshark'))) throw new Error(`tshark 4.4 not found in ${root}: run "bash scripts/install-tshark.sh" (npm test does)`);
  const inside = `/tmp/zmq-tap-${randomBytes(6).toString('hex')}.pcapng`;
  copyFileSync(file, join(root, inside));
  try {
    return await inChroot(['-r', inside, ...args]);
  } finally {
    rmSync(join(root, inside), { force: true });
  }
}

/** Runs the machine's own tshark (Debian 12: 4.0) on `file`. */
export async function tsharkHost(file: string, args: readonly string[]): Promise<string> {
  return run('tshark', ['-r', file, ...args]).catch((err: Error) => {
    throw new Error(`${err.message}\n(the machine's tshark comes with "bash scripts/install-tshark.sh", which npm test runs)`);
  });
}

/** `major.minor` of a tshark, from `tshark --version`. */
export async function tsharkVersion(which: '4.4' | 'host'): Promise<string> {
  const out = which === 'host' ? await run('tshark', ['--version']) : await inChroot(['--version']);
  const match = /TShark \(Wireshark\) (\d+\.\d+)\./.exec(out);
  if (!match) throw new Error(`no version in: ${out.slice(0, 200)}`);
  return match[1];
}

/**
 * The bytes of each direction of TCP stream 0, from `-q -z follow,tcp,raw,0` output: lines of
 * node 0 (the side that sent the SYN) start at the margin, lines of node 1 after a tab.
 */
export function followedBytes(output: string): { client: Buffer; server: Buffer } {
  const client: Buffer[] = [];
  const server: Buffer[] = [];
  const body = output.split('\n').filter((line) => /^\t?[0-9a-f]+$/.test(line));
  for (const line of body) (line.startsWith('\t') ? server : client).push(Buffer.from(line.trim(), 'hex'));
  return { client: Buffer.concat(client), server: Buffer.concat(server) };
}
