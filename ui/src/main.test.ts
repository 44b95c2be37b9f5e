// The entry point: mounts the app and tells the shell once the first frame is painted.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// A plain function rather than vi.fn(): a spy would observe the returned promise, which counts as
// handling its rejection and would hide a missing .catch in main.ts.
const ready = vi.hoisted(() => ({ calls: 0, fail: false }));

vi.mock('$lib/ipc/events', () => {
  const listen = async () => () => {};
  return {
    onConnection: listen,
    onRoster: listen,
    onMessages: listen,
    onMessageUpdated: listen,
    onSubscriptionRequest: listen,
    onOpenConversation: listen,
  };
});

vi.mock('$lib/ipc/commands', async (importOriginal) => {
  // Start-up stays on the splash screen: these never answer.
  const never = () => new Promise<never>(() => {});
  return {
    ...(await importOriginal<typeof import('$lib/ipc/commands')>()),
    appInfo: never,
    getSettings: never,
    accounts: never,
    uiReady: () => {
      ready.calls += 1;
      return ready.fail
        ? Promise.reject({ code: 'internal', message: 'command ui_ready not found' })
        : Promise.resolve();
    },
  };
});

describe('main', () => {
  let frames: FrameRequestCallback[] = [];
  const nextFrame = () => {
    const due = frames;
    frames = [];
    for (const f of due) f(performance.now());
  };

  beforeEach(() => {
    vi.resetModules();
    ready.calls = 0;
    ready.fail = false;
    frames = [];
    vi.spyOn(window, 'requestAnimationFrame').mockImplementation((f) => frames.push(f));
    document.body.innerHTML = '<div id="app"></div>';
  });
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('calls ui_ready once, after the first frame of the mounted app', async () => {
    const { default: app } = await import('./main');
    expect(app).toBeTruthy();
    expect(document.getElementById('app')?.childElementCount).toBeGreaterThan(0);
    expect(ready.calls).toBe(0);
    nextFrame();
    expect(ready.calls).toBe(0);
    nextFrame();
    expect(ready.calls).toBe(1);
    nextFrame();
    nextFrame();
    expect(ready.calls).toBe(1);
  });

  it('ignores a shell that does not know the command', async () => {
    const unhandled: unknown[] = [];
    const note = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', note);
    try {
      ready.fail = true;
      await import('./main');
      nextFrame();
      nextFrame();
      expect(ready.calls).toBe(1);
      await new Promise((r) => setTimeout(r, 10));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', note);
    }
  });
});
