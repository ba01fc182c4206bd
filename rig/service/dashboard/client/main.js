// The dashboard's entry (issue 14): log-in with a token, then the page the URL names, kept live
// from the service's event stream.
//
// The token: typed into the log-in form, checked (GET /whoami), then kept in sessionStorage — gone
// when the tab closes, never in a URL, a cookie or localStorage — and sent only in the
// Authorization header of the page's own requests to its own origin (the Content-Security-Policy
// allows no other). Nothing is fetched or shown before a token is accepted; a token the service
// stops accepting (revoked: any 401) brings the log-in form back.

import { Api, ApiError } from './api.js';
import { fill, h, notice } from './dom.js';
import { Live } from './live.js';
import { findRoute } from './routes.js';

const TOKEN_KEY = 'suitrig.token';
const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
const liveRegion = document.getElementById('live');

let session; // { api, me, live }
let page; // the mounted page: { onEvent?, refresh?, dispose? }

function setTitle(t) {
  document.title = `${t} — suitrig lab`;
}

function logOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  session?.live.stop();
  session = undefined;
  page?.dispose?.();
  page = undefined;
  nav.hidden = true;
  fill(who);
  fill(liveRegion);
  liveRegion.className = 'live';
  showLogin(message);
}

function showLogin(message) {
  setTitle('Log in');
  const input = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', spellcheck: 'false', required: true, 'aria-describedby': 'token-help' });
  const error = h('div', { class: 'login-error' });
  const button = h('button', { type: 'submit' }, 'Log in');
  const form = h(
    'form',
    {
      class: 'login',
      'aria-labelledby': 'login-title',
      on: {
        submit: async (ev) => {
          ev.preventDefault();
          const token = input.value.trim();
          if (!token) return;
          button.disabled = true;
          fill(error);
          try {
            await logIn(token);
          } catch (e) {
            fill(error, notice('error', e.status === 401 ? 'The service does not accept this token (unknown or revoked).' : e.message));
            input.setAttribute('aria-invalid', 'true');
            input.focus();
          } finally {
            button.disabled = false;
          }
        },
      },
    },
    h('h1', { id: 'login-title' }, 'Log in'),
    h('label', { for: 'token' }, 'Token'),
    input,
    h('p', { id: 'token-help', class: 'help' }, 'A token from “suitrig token create --role viewer” (to look) or “--role operator” (to act). This tab keeps it until it closes.'),
    button,
    error,
  );
  fill(main, message ? notice('note', message) : null, form);
  input.focus();
}

async function logIn(token, o = { resumed: false }) {
  // Several requests may be refused at once: the first one logs out, the others find it done.
  const api = new Api(token, () => session?.api === api && logOut('The service no longer accepts this token: log in again.'));
  // Checked before it is kept: a wrong token is never stored.
  const probe = new Api(token);
  const { body: me } = await probe.get('/whoami');
  sessionStorage.setItem(TOKEN_KEY, token);
  const live = new Live(api, {
    onEvent: (e) => page?.onEvent?.(e),
    onState: showLive,
    onRecovered: () => page?.refresh?.(),
  });
  session = { api, me, live };
  nav.hidden = false;
  fill(
    who,
    h('span', { class: 'who-name' }, `${me.name} (${me.role})`),
    ' ',
    h('button', { type: 'button', class: 'link', on: { click: () => logOut('Logged out.') } }, 'Log out'),
  );
  live.start();
  render(!o.resumed);
}

function showLive(state, detail) {
  liveRegion.className = `live live-${state}`;
  const text = { connecting: 'Connecting to the live stream…', live: 'Live', reconnecting: 'Reconnecting…', lost: `Connection lost: ${detail}` }[state];
  fill(liveRegion, h('span', { class: 'dot', 'aria-hidden': 'true' }), text ?? state);
}

/**
 * Draws the page of the current URL. `focus`: the page's heading takes the focus (after a move
 * between pages or a log-in, so keyboards and screen readers start there); on a fresh load the
 * focus stays at the top of the document, where the skip link is.
 */
function render(focus = true) {
  if (!session) return;
  page?.dispose?.();
  page = undefined;
  const url = new URL(location.href);
  const found = findRoute(url.pathname);
  for (const a of nav.querySelectorAll('a')) {
    const section = a.getAttribute('href');
    const current = section === '/' ? url.pathname === '/' || url.pathname.startsWith('/boards/') : url.pathname.startsWith(section);
    if (current) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const ctx = {
    api: session.api,
    me: session.me,
    may: (role) => session.me.grants.includes(role),
    main,
    query: url.searchParams,
    setTitle,
    navigate,
  };
  if (!found) {
    setTitle('Not found');
    fill(main, h('h1', { tabindex: '-1' }, 'Not found'), h('p', {}, 'No page of the dashboard has this address. '), h('p', {}, h('a', { href: '/' }, 'Go to the fleet')));
    if (focus) main.querySelector('h1').focus();
    return;
  }
  page = found.page.mount(ctx, found.params) ?? {};
  if (focus) main.querySelector('h1')?.focus();
}

function navigate(path, o = {}) {
  if (o.replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  render();
}

// Links of the dashboard move between pages without a reload (the stream stays connected).
document.addEventListener('click', (ev) => {
  const a = ev.target instanceof Element ? ev.target.closest('a[href]') : null;
  if (!a || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey || a.hasAttribute('download')) return;
  const href = a.getAttribute('href');
  if (!href.startsWith('/') || href.startsWith('//') || href.startsWith('/api/') || href.startsWith('/ui/')) return;
  ev.preventDefault();
  if (href !== location.pathname + location.search) navigate(href);
});
window.addEventListener('popstate', () => render());

/** A reload of the tab logs in again with its token; while the service is away, it keeps trying. */
function resume(token) {
  logIn(token, { resumed: true }).catch((e) => {
    if (e instanceof ApiError && e.status === 401) logOut('The service no longer accepts the token of this tab: log in again.');
    else {
      setTitle('Waiting for the service');
      fill(main, h('h1', { tabindex: '-1' }, 'Waiting for the service'), notice('error', `${e.message}; trying again…`));
      setTimeout(() => resume(token), 2000);
    }
  });
}

const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) resume(saved);
else showLogin();
