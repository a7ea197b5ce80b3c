/**
 * Node's system errors (`EADDRINUSE`…) turned into ZmqErrors with libzmq's codes, for binds.
 */
import { constants } from 'node:os';
import { codeOfErrno, ZmqError, type ZmqErrorCode } from '../errors';

/** A Node system error (`EADDRINUSE`…) as a ZmqError with libzmq's code, for bind failures. */
export function zmqErrorFromSystem(err: unknown, address: string): ZmqError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const known = code ? codeOfErrnoName(code) : undefined;
  return new ZmqError(known ?? 'EINVAL', { address, cause: err, detail: known ? undefined : String((err as Error)?.message ?? err) });
}

function codeOfErrnoName(name: string): ZmqErrorCode | undefined {
  const aliases: Record<string, ZmqErrorCode> = { EACCES: 'EADDRNOTAVAIL', EOPNOTSUPP: 'ENOTSUP' };
  if (aliases[name]) return aliases[name];
  const errnoNumber = (constants.errno as Record<string, number | undefined>)[name];
  return errnoNumber === undefined ? undefined : codeOfErrno(errnoNumber);
}
