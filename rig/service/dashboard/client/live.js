// The service's event stream (GET /api/v1/events, server-sent events) read with fetch(), not
// EventSource: EventSource cannot send an Authorization header, and the token must not go in the
// URL (logs and history keep URLs). A lost connection is reported at once and retried with a
// growing pause (from the stream's `retry:` up to RETRY_MAX_MS); the retry sends the last event id
// seen (Last-Event-ID), so the service replays what was missed. A stream that goes silent for
// longer than SILENCE_MS (the service sends a comment every 15 s) counts as lost. One event is
// bounded (EVENT_MAX_CHARS): a stream that sends more is cut and retried.

const RETRY_MAX_MS = 8000;
const SILENCE_MS = 40_000;
const EVENT_MAX_CHARS = 1024 * 1024;

export class Live {
  /**
   * @param {import('./api.js').Api} api
   * @param {{ onEvent(e: object): void, onState(state: string, detail?: string): void, onRecovered(): void }} o
   */
  constructor(api, o) {
    this.api = api;
    this.o = o;
    this.lastId = undefined;
    this.retryMs = 1000;
    this.stopped = false;
    this.controller = undefined;
    this.wasLost = false;
    /** The current stream was cut for its silence (not by the service, not by stop()). */
    this.silent = false;
  }

  start() {
    void this.loop();
  }

  stop() {
    this.stopped = true;
    this.controller?.abort();
  }

  async loop() {
    let pause = this.retryMs;
    while (!this.stopped) {
      this.o.onState(this.wasLost ? 'reconnecting' : 'connecting');
      const controller = (this.controller = new AbortController());
      let why = 'the connection dropped';
      try {
        const headers = this.api.headers(this.lastId !== undefined ? { 'last-event-id': String(this.lastId) } : {});
        const r = await fetch('/api/v1/events', { headers, signal: controller.signal, cache: 'no-store' });
        if (r.status === 401) {
          this.api.onUnauthorized?.();
          return;
        }
        if (!r.ok || !r.body) throw new Error(`the service answered ${r.status}`);
        this.o.onState('live');
        if (this.wasLost) this.o.onRecovered();
        this.wasLost = false;
        pause = this.retryMs;
        await this.read(r.body, controller);
        why = 'the service ended the stream';
      } catch (e) {
        if (this.stopped) return;
        if (e?.message && e.name !== 'AbortError') why = e.message;
        if (e?.name === 'AbortError' && this.silent) why = `no word from the service for ${SILENCE_MS / 1000} s`;
      }
      if (this.stopped) return;
      this.wasLost = true;
      this.o.onState('lost', `${why}; retrying in ${Math.round(pause / 1000)} s`);
      await new Promise((r) => setTimeout(r, pause));
      pause = Math.min(pause * 2, RETRY_MAX_MS);
    }
  }

  /** Reads the stream until it ends; dispatches each complete event. */
  async read(body, controller) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let event = { id: undefined, data: [] };
    let size = 0;
    this.silent = false;
    let timer = setTimeout(() => ((this.silent = true), controller.abort()), SILENCE_MS);
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        clearTimeout(timer);
        timer = setTimeout(() => ((this.silent = true), controller.abort()), SILENCE_MS);
        buffer += value;
        if (buffer.length > EVENT_MAX_CHARS) throw new Error('an event larger than this page accepts');
        const lines = buffer.split(/\r\n|\r|\n/);
        buffer = lines.pop();
        for (const line of lines) {
          if (line === '') {
            if (event.data.length > 0) this.dispatch(event);
            event = { id: event.id, data: [] };
            size = 0;
            continue;
          }
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const v = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'data') {
            size += v.length;
            if (size > EVENT_MAX_CHARS) throw new Error('an event larger than this page accepts');
            event.data.push(v);
          } else if (field === 'id' && /^\d{1,16}$/.test(v)) event.id = Number(v);
          else if (field === 'retry' && /^\d{1,6}$/.test(v)) this.retryMs = Math.max(250, Number(v));
        }
      }
    } finally {
      clearTimeout(timer);
      reader.cancel().catch(() => {});
    }
  }

  dispatch(event) {
    if (event.id !== undefined) this.lastId = event.id;
    let e;
    try {
      e = JSON.parse(event.data.join('\n'));
    } catch {
      return; // not an event of ours
    }
    if (e && typeof e === 'object' && typeof e.topic === 'string') this.o.onEvent(e);
  }
}
