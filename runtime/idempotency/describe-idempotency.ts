/**
 * The texts a model reads when an idempotency key stops a call: each says what happened and the
 * one thing to do next.
 */

export interface KeyedCallDescription {
  readonly toolName: string;
  readonly key: string;
  /** A read tool that shows whether the write took effect (same toolset), when one exists. */
  readonly checkToolName?: string;
}

export const IDEMPOTENCY_KEY_HELP =
  'Make one by generating a new random string (for example a UUID such as "7f3e2c1a-9b4d-4e8f-a6c5-0d2b1e9f8a73") for each new action; reuse it only to retry this same call after a timeout or network error, so the action happens once.';

export function describeMissingKey(toolName: string, argument: string): string {
  return `${toolName} needs an "${argument}" argument because it changes data. ${IDEMPOTENCY_KEY_HELP}`;
}

export function describeKeyMismatch(toolName: string, argument: string): string {
  return `${toolName} got an "${argument}" argument and a different Idempotency-Key header. Send the key once, either way.`;
}

export function describeInvalidKey(toolName: string, argument: string): string {
  return `${toolName}: the idempotency key must be 1 to 255 printable characters. Pass a new "${argument}". ${IDEMPOTENCY_KEY_HELP}`;
}

export function describeConflict(call: KeyedCallDescription): string {
  return `${call.toolName} was already called with idempotency key "${call.key}" and different arguments, so this call was not performed (a key stands for one action). To perform a new action, call ${call.toolName} again with a new idempotency key; to retry the earlier action, repeat its exact arguments.`;
}

export function describeInProgress(call: KeyedCallDescription, waitedMs: number): string {
  const seconds = Math.max(1, Math.round(waitedMs / 1000));
  return `${call.toolName} with idempotency key "${call.key}" is still running from an earlier call (waited ${seconds} s). Call it again with the same key and arguments in a few seconds to get its result; do not use a new key, or the action may happen twice.`;
}

export function describeOutcomeUnknown(call: KeyedCallDescription, claimedAt: number): string {
  const check =
    call.checkToolName === undefined
      ? 'Check with a read tool whether it took effect'
      : `Check with ${call.checkToolName} whether it took effect`;
  return `${call.toolName} with idempotency key "${call.key}" was sent to the platform at ${new Date(claimedAt).toISOString()}, but no answer came back, so it may or may not have taken effect. It was not sent again, to avoid doing it twice. ${check}; only if it did not, call ${call.toolName} again with a new idempotency key.`;
}

export function describeStoreUnavailable(call: KeyedCallDescription): string {
  return `${call.toolName} was not performed: the MCP server could not record its idempotency key (its database is unavailable). Nothing was sent to the platform; retry the same call with the same key in a little while.`;
}
