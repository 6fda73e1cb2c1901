/**
 * Whether the process that claimed an idempotency key is certainly gone. Owner ids are
 * `host:pid:random` (see createInstanceId); on the same host a missing pid proves the owner died
 * (a SIGKILL mid-call), so a retry can report the unknown outcome at once instead of waiting out
 * the lease. Anything unprovable (another host, a custom id, a reused pid) counts as alive.
 */
import { hostname } from 'node:os';

const OWNER_PATTERN = /^(.+):(\d+):[0-9a-f]+$/;

export function isOwnerGone(owner: string, host: string = hostname()): boolean {
  const match = OWNER_PATTERN.exec(owner);
  if (match === null || match[1] !== host) return false;
  const pid = Number(match[2]);
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // EPERM: the pid exists but belongs to someone else; only ESRCH proves it is gone.
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
