// The tracker's hands: one-line DOM operations the WebAssembly tracker imports (see host.rs).
// Every decision (what to read, write, send and when) is made in Rust; nothing here throws.
//
// `run(kind, value)` is the tracker's single entry point (see runtime.rs for the kinds).
const w = globalThis;
const d = w.document;
const SETTINGS = 1;
const NAVIGATED = 2;
const DOM_READY = 3;
const SUBMITTED = 4;

export const cookie = () => d.cookie;
export const set_cookie = (c) => {
  d.cookie = c;
};
export const href = () => w.location.href;
// The address the document was loaded with: SPA routers may strip `?ref` before the tracker runs.
export const landing = () => {
  try {
    return w.performance.getEntriesByType('navigation')[0].name || '';
  } catch (_) {
    return '';
  }
};
export const referrer = () => d.referrer;
export const warn = (m) => console.warn('[partnero] ' + m);
export const privacy = () => {
  const n = w.navigator;
  return n.globalPrivacyControl === true || n.doNotTrack == '1';
};
export const random = (bytes) => {
  w.crypto.getRandomValues(bytes);
};

/** `o[k]`; undefined for null/undefined `o` or a throwing getter. */
export const get = (o, k) => {
  try {
    return o == null ? undefined : o[k];
  } catch (_) {}
};
export const is_list = (v) => Array.isArray(v) || v instanceof NodeList;
export const object = () => ({});
export const array = () => [];
export const push = (list, v) => {
  list.push(v);
};
export const put = (o, k, v) => {
  o[k] = v;
};
export const number = (text) => +text;
export const has_attribute = (e, name) => !!(e && e.hasAttribute && e.hasAttribute(name));
/** Every element matching `selector` (under `root`, default the document). */
export const find = (selector, root) => {
  try {
    return (root || d).querySelectorAll(selector);
  } catch (_) {
    return [];
  }
};

/** `history.replaceState(state, '', url)`. */
export const replace_url = (url) => {
  try {
    history.replaceState(history.state, '', url);
  } catch (_) {}
};

/** The program settings: `net(url)` (the loader's shared GET), answered through `run`. */
export const load = (net, url, run) =>
  net(url).then(
    (doc) => run(SETTINGS, doc),
    () => run(SETTINGS),
  );

/** POSTs `body` as JSON text by `sendBeacon`, else by the loader's keepalive fetch. */
export const send = (net, url, body) => {
  const text = JSON.stringify(body);
  let sent;
  try {
    sent = w.navigator.sendBeacon(url, text);
  } catch (_) {}
  if (!sent) net(url, text, true);
};

/** Address changes: wrapped `pushState`/`replaceState`, `popstate`, `hashchange`. */
export const watch = (run) => {
  for (const name of ['pushState', 'replaceState']) {
    const original = history[name];
    if (typeof original == 'function')
      history[name] = function () {
        const result = original.apply(this, arguments);
        run(NAVIGATED);
        return result;
      };
  }
  for (const event of ['popstate', 'hashchange']) w.addEventListener(event, () => run(NAVIGATED));
};

/** `run(DOM_READY)` once the document is parsed. */
export const when_ready = (run) => {
  if (d.readyState != 'loading') run(DOM_READY);
  else d.addEventListener('DOMContentLoaded', () => run(DOM_READY));
};

/** Every form submit (capture phase, so `stopPropagation` cannot hide it). */
export const capture = (run) => d.addEventListener('submit', (e) => run(SUBMITTED, e.target), true);

/**
 * Renders the refer-a-friend form into `target` (selector or element) from the lazily loaded
 * chunk at `chunk`; returns how many targets there are. `options` are decided by the tracker.
 */
export const render_forms = (chunk, target, options, net, run) => {
  const targets = typeof target == 'string' ? Array.from(find(target)) : target ? [target] : [];
  if (targets.length)
    import(chunk || new URL('form.js', import.meta.url)).then(
      (m) => targets.forEach((t) => m.render(t, options, net, run)),
      (e) => warn('could not load the form: ' + e),
    );
  return targets.length;
};
