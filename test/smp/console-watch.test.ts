/**
 * ConsoleWatch (host/smp/console-watch.ts): a boot banner split across reads is still seen; the
 * board's error lines are kept, bounded in count and length; a watch follows a new client and
 * lets go of the old one; the console apart from the link (a console port) is read too, its
 * banner named with where it showed, its error lines put together from the pieces they arrive in.
 */
import { describe, expect, it } from 'vitest';
import type { SmpClient } from '../../host/smp/client.js';
import { ConsoleWatch } from '../../host/smp/console-watch.js';
import type { LinkEvent } from '../../host/smp/link.js';

/** A client whose link we feed console text by hand. */
function fakeClient() {
  const listeners = new Set<(e: LinkEvent) => void>();
  const client = { link: { onEvent: (l: (e: LinkEvent) => void) => (listeners.add(l), () => void listeners.delete(l)), onClose: () => () => undefined } } as unknown as SmpClient;
  return { client, say: (text: string) => listeners.forEach((l) => l({ kind: 'console', text })), listeners };
}

describe('ConsoleWatch', () => {
  it('sees a banner split across two reads, once per banner', () => {
    const banners: string[] = [];
    const w = new ConsoleWatch({ onBanner: (t) => banners.push(t) });
    const c = fakeClient();
    w.watch(c.client);
    c.say('I: jumping to the application\n*** Boot');
    c.say('ing Zephyr OS build v4.4.0 ***');
    expect(banners).toEqual(['*** Booting']);
    c.say('no banner here');
    expect(banners).toHaveLength(1);
  });

  it('keeps the first four error lines, each at most 200 characters, and says them', () => {
    const w = new ConsoleWatch();
    const c = fakeClient();
    w.watch(c.client);
    c.say('I: fine');
    c.say(`E: ${'x'.repeat(500)}`);
    for (let i = 0; i < 10; i++) c.say(`E: error ${i}`);
    expect(w.errors).toHaveLength(4);
    expect(w.errors[0]).toHaveLength(200);
    expect(w.said('the bootloader')).toMatch(/^; the bootloader said: "E: x+", "E: error 0", "E: error 1", "E: error 2"$/);
    expect(new ConsoleWatch().said()).toBe('');
  });

  it('follows a new client and lets go of the old one; stop lets go of all', () => {
    const w = new ConsoleWatch();
    const a = fakeClient();
    const b = fakeClient();
    w.watch(a.client);
    w.watch(b.client);
    expect(a.listeners.size).toBe(0);
    a.say('E: from the old link');
    b.say('E: from the new link');
    expect(w.errors).toEqual(['E: from the new link']);
    w.stop();
    expect(b.listeners.size).toBe(0);
  });

  it('reads the console apart from the link too: a banner there says where, pieces never join across the two places, error lines are whole', () => {
    const banners: string[] = [];
    const apartListeners = new Set<(t: { text: string }) => void>();
    const apart = { description: 'console port tcp://lab:4002', onText: (l: (t: { text: string }) => void) => (apartListeners.add(l), () => void apartListeners.delete(l)) };
    const port = (text: string) => apartListeners.forEach((l) => l({ text }));
    const w = new ConsoleWatch({ apart, onBanner: (t, where) => banners.push(`${t} on ${where}`) });
    const c = fakeClient();
    w.watch(c.client);
    // Half a banner on each: not a banner.
    port('*** Boot');
    c.say('ing Zephyr OS');
    expect(banners).toEqual([]);
    port('ing Zephyr OS build v4.4.0 ***\r\nE: image in slot 1 is not ');
    port('valid\r\n');
    c.say('*** Booting Zephyr OS');
    expect(banners).toEqual(['*** Booting on console port tcp://lab:4002', '*** Booting on the console']);
    expect(w.errors).toEqual(['E: image in slot 1 is not valid']);
    // A new client keeps the port; stop lets go of it.
    w.watch(fakeClient().client);
    expect(apartListeners.size).toBe(1);
    w.stop();
    expect(apartListeners.size).toBe(0);
  });
});
