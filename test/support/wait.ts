/**
 * Waiting for a condition in tests: poll until it holds, or fail naming what was awaited (and the
 * last value seen), so a test waits for the state it asserts rather than for a fixed time.
 */

/** Polls `read()` until `ok` accepts its value; resolves with that value. */
export async function waitForValue<T>(read: () => T, ok: (value: T) => boolean, what: string, timeout = 8000): Promise<T> {
  const end = Date.now() + timeout;
  for (;;) {
    const value = read();
    if (ok(value)) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Polls `check()` until it returns true. */
export async function waitForTrue(check: () => boolean, what: string, timeout = 8000): Promise<void> {
  const end = Date.now() + timeout;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
