// The tracker's hands and memory, bundled into universal.js by `cargo xtask build-tracker`: it keeps
// the page's state and does the DOM work (cookies, beacons, history hooks, the sign-up capture, the
// lazy form chunk). The referral decisions (commands, settings, key extraction, cookie domains and
// strings, attribution) are made by the WebAssembly core, called as
// `call(op, fields joined by U+001F)` (the operations are listed in ../api.rs).
//
// `boot(...)` returns `run(kind, value)`, the single entry point: `po(...)` calls and page events
// become jobs in one inbox, so a job started while another runs waits instead of re-entering.

import { get, isList } from './fields.js';

const w = globalThis;
const d = w.document;
const US = '\x1f';
const RS = '\x1e';
// run(kind, value)
export const CALL = 0;
const SETTINGS = 1;
const NAVIGATED = 2;
const DOM_READY = 3;
const SUBMITTED = 4;
// call(op, input): the operations of api.rs
const COMMAND = 0;
const FIND = 1;
const INFO = 2;
const CANDIDATES = 3;
const COOKIE = 4;
const READ = 5;
const KEEP = 6;
const VISITOR = 7;
const IDENTITY = 8;
const REFERRAL = 9;
const VISITOR_COOKIE = 'partnero_session_uuid';
const PROBE_COOKIE = 'partnero_probe';
/** Elements rendered without code. */
const MARKER = '[data-partnero-form]';

export const warn = (m) => {
  try {
    console.warn('[partnero] ' + ((m && m.message) || m));
  } catch (_) {
    // no console: nothing to report to
  }
};

/** Text without the separators of the core's input. */
const plain = (s) => String(s).replace(/[\x1c-\x1f]/g, '');

/** A JavaScript value as the core's tagged text (see ../arg.rs). */
const tag = (v) => {
  const t = typeof v;
  if (t == 'string') return 's' + plain(v);
  if (t == 'number' || t == 'boolean') return t[0] + v;
  if (isList(v))
    return (
      'l' +
      Array.prototype.slice
        .call(v, 0, 64)
        .filter((x) => typeof x == 'string')
        .map(plain)
        .join('\x1d')
    );
  return 'o';
};

/** Host, path, query and fragment of a `location` or `URL` (the core's URL parts). */
const parts = (u) => [u.hostname, u.pathname, u.search.slice(1), u.hash.slice(1)];

/** A random UUID v4 (the visitor id; `crypto.randomUUID` needs https). */
export const uuid = () => {
  const b = w.crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 15) | 64;
  b[8] = (b[8] & 63) | 128;
  return Array.from(b, (x, i) => (i == 4 || i == 6 || i == 8 || i == 10 ? '-' : '') + (x | 256).toString(16).slice(1)).join('');
};

/**
 * The address of `u` (a `URL` or `location`) without the query parameters (and `#name=value`
 * fragment parameters) whose decoded name is one of `names`; empty when nothing was removed.
 */
export const withoutParams = (u, names) => {
  let removed;
  let out = u.origin + u.pathname;
  for (const [text, lead] of [
    [u.search.slice(1), '?'],
    [u.hash.slice(1), '#'],
  ]) {
    // A fragment without `=` is an anchor, not parameters: kept as it is.
    const params = lead == '?' || text.includes('=');
    let sep = lead;
    for (const piece of text.split('&')) {
      let name;
      try {
        name = decodeURIComponent(piece.split('=')[0].replace(/\+/g, ' '));
      } catch (_) {}
      if (params && (!piece || names.includes(name))) {
        removed ||= !!piece;
        continue;
      }
      if (!piece && !text) continue;
      out += sep + piece;
      sep = '&';
    }
  }
  return removed ? out : '';
};

const has = (e, name) => !!(e && e.hasAttribute && e.hasAttribute(name));

/**
 * The collector's base URL, in order: `host`, `assets_host`, the origin of the loader's own
 * `<script src>`. Only http(s) URLs; no trailing `/`, query or fragment.
 */
export const collectorBase = (host, assets, src) => {
  for (const [url, whole] of [
    [host, 1],
    [assets, 1],
    [src, 0],
  ]) {
    try {
      const u = new URL(url);
      if (/^https?:$/.test(u.protocol) && u.host) return whole ? (u.origin + u.pathname).replace(/\/+$/, '') : u.origin;
    } catch (_) {
      // not an absolute URL: the next one
    }
  }
};

/**
 * Cookies on the registrable domain of `host`, found by probing: a test cookie is written on each
 * candidate parent domain (shortest first) and the first one the browser keeps wins; host-only
 * cookies when none does (localhost, IP hosts).
 */
export const cookieJar = (call, host, secure) => {
  const T = (op, ...a) => call(op, a.join(US));
  const writeOn = (domain, name, value, age) => {
    d.cookie = T(COOKIE, name, value, domain, age, secure ? 1 : '');
  };
  const read = (name) => T(READ, d.cookie, name);
  let domain = '';
  for (const c of T(CANDIDATES, host).split(US)) {
    if (!c) continue;
    writeOn(c, PROBE_COOKIE, 1, 10);
    if (read(PROBE_COOKIE) == '1') {
      writeOn(c, PROBE_COOKIE, 1, 0);
      domain = c;
      break;
    }
  }
  const write = (name, value, age) => writeOn(domain, name, value, age);
  return {
    domain,
    read,
    write,
    /** Deletes cookie `name`, on the registrable domain and host-only. */
    del(name) {
      write(name, '', 0);
      if (domain) writeOn('', name, '', 0);
    },
  };
};

/**
 * Starts a tracker for the loader served from `src`. `net(url)` GETs JSON, `net(url, body)` POSTs
 * text and reads the JSON answer, `net(url, body, true)` is the keepalive fallback of sendBeacon;
 * `chunk` is the URL of the lazy chunk (`form.js`: the refer-a-friend form and `fields.js`, what
 * sign-ups and transactions need), imported only by pages that use them; `call` is the
 * WebAssembly core.
 */
export function boot(src, net, chunk, call) {
  const T = (op, ...a) => call(op, a.join(US));
  let host, assets, program, jar, held, ready, loading, granted, checked, capturing, busy;
  // The settings records (see ../settings.rs): the collector's document, then the page's overrides.
  let doc = '';
  let overrides = '';
  let lazy;
  const extras = () => lazy || (lazy = import(chunk || new URL('form.js', import.meta.url)));
  const jobs = [];
  const deferred = [];
  const reported = [];
  const captured = [];
  const S = () => doc + overrides;
  /** [cookie name, max-age, flags, key parameter names] (api.rs INFO). */
  const info = () => T(INFO, S()).split(US);
  const privacy = () => {
    const n = w.navigator;
    return n.globalPrivacyControl === true || n.doNotTrack == '1';
  };
  const mayTrack = () => {
    const f = info()[2];
    return !(f.includes('g') && privacy()) && (!f.includes('c') || granted);
  };
  const cookies = () => jar || (jar = cookieJar(call, location.hostname, location.protocol == 'https:'));

  /** The collector base, or a warning. */
  const target = () => {
    if (!program) return warn("no program: call po('program', ID, 'load') first");
    return collectorBase(host, assets, src) || warn("no collector URL: set po('settings', 'host', URL)");
  };

  /** POSTs `body` to `{base}{path}` by sendBeacon, else by the loader's keepalive fetch. */
  const send = (path, body) => {
    if (body[0] == '!') return warn(body.slice(1));
    const base = target();
    if (!base) return;
    let sent;
    try {
      sent = w.navigator.sendBeacon(base + path, body);
    } catch (_) {}
    if (!sent) net(base + path, body, true);
  };

  /** [visitor, referral] for a sign-up or transaction. */
  const identity = () => (mayTrack() ? T(IDENTITY, S(), d.cookie, ...parts(location)).split(US) : []);
  /** Sends `body(chunk, visitor, referral)` to `path` once the lazy chunk is there. */
  const report = (path, body) => {
    const id = identity();
    extras().then((f) => send(path, body(f, ...id)), warn);
  };
  const signup = (c) => report('/pub/signups', (f, ...id) => f.signupBody(program, ...id, c(f)));

  /** Makes `id` the page's program; false (with a warning) for a second, different program. */
  const select = (id) => {
    if (program && program != id) return warn('only one program per page is supported');
    return (program = id);
  };

  /** Writes the cookie (per attribution), reports the visit once, cleans the URL. */
  const commit = (key, format, at) => {
    const [name, age, flags, params] = info();
    const j = cookies();
    if (T(KEEP, S(), d.cookie, key)) j.write(name, key, age);
    const visitor = T(VISITOR, d.cookie) || uuid();
    j.write(VISITOR_COOKIE, visitor, age);
    const mark = key + ' ' + at;
    if (!reported.includes(mark)) {
      reported.push(mark);
      send('/pub/visits', JSON.stringify({ program, key, visitor, url: at, referrer: d.referrer, format }));
    }
    if (flags.includes('u') && at == location.href) {
      const clean = withoutParams(location, params.split(','));
      if (clean)
        try {
          history.replaceState(history.state, '', clean);
        } catch (_) {}
    }
  };

  /** Key extraction for the current address (and, the first time, the navigation's URL). */
  const capture = () => {
    const [name, age, flags] = info();
    if (flags.includes('g') && privacy()) return;
    let at = location.href;
    let found = T(FIND, S(), ...parts(location));
    if (found == '!') return warn("this page is not on the program's domains");
    if (!found && !checked) {
      // A router may have rewritten the address before this script ran: use the landing URL.
      try {
        const landing = new URL(w.performance.getEntriesByType('navigation')[0].name);
        const there = T(FIND, S(), ...parts(landing));
        if (there != '!') [found, at] = [there, landing.href];
      } catch (_) {
        // no navigation entry
      }
    }
    checked = 1;
    if (found) {
      const [key, format] = found.split(US);
      if (flags.includes('c') && !granted) held = [key, format, at];
      else commit(key, format, at);
    } else if (flags.includes('f') && mayTrack()) {
      // A "lifetime" cookie is rewritten on every visit (browsers cap cookies at 400 days).
      const key = T(REFERRAL, S(), d.cookie);
      if (key) cookies().write(name, key, age);
    }
  };

  /**
   * Renders the refer-a-friend form into `where` (selector or element) from the lazy chunk, with
   * the page's `name` and `button` options.
   */
  const render = (where, name, button) => {
    const base = target();
    if (!base) return;
    let targets = [];
    try {
      targets = typeof where == 'string' ? Array.from(d.querySelectorAll(where)) : [where];
    } catch (_) {}
    const options = { program, endpoint: base + '/pub/referral-links', name, button };
    if (targets.length)
      extras().then(
        (m) => targets.forEach((t) => m.render(t, options, net)),
        (e) => warn('could not load the form: ' + e),
      );
    return targets.length;
  };

  const command = (args) => {
    const [c, id, record] = T(COMMAND, ...[0, 1, 2, 3, 4].map((i) => tag(get(args, i)))).split(US);
    const o = get(args, 2);
    if (c[0] == '!') warn(c.slice(1));
    else if (c == 'h') host = id;
    else if (c == 'a') assets = id;
    else if (c == 'l') {
      const base = select(id) && target();
      if (base) {
        loading = 1;
        net(base + '/pub/programs/' + id).then(
          (settings) => run(SETTINGS, settings || {}),
          () => run(SETTINGS),
        );
      }
    } else if (c == 'p') {
      if (select(id)) record ? (overrides += record) : warn('unknown or invalid program setting');
    } else if (c == 's') signup((f) => f.customer(f.data(o)));
    else if (c == 't') report('/pub/transactions', (f, ...id) => f.transactionBody(program, ...id, o));
    else if (c == 'u') {
      // Loaded now, so that a submitted form is read at once.
      if (!capturing) extras().then((f) => d.addEventListener('submit', (e) => run(SUBMITTED, [f, e.target]), true), warn);
      capturing = 1;
    } else if (c == 'g') {
      granted = 1;
      if (held) commit(...held);
      held = 0;
    } else if (c == 'r') {
      granted = held = 0;
      for (const name of ['partnero_referral', 'partnero_partner', VISITOR_COOKIE]) cookies().del(name);
    } else if (c == 'f') {
      let where = get(o, 'target');
      if (typeof where != 'string' && !(where && typeof where == 'object')) where = MARKER;
      if (render(where, get(o, 'name'), get(o, 'button')) === 0)
        warn('form render: no target element found');
    }
  };

  const handle = (kind, value) => {
    if (loading && kind != SETTINGS && kind != SUBMITTED) return deferred.push([kind, value]);
    if (kind == CALL) command(value);
    else if (kind == SETTINGS) {
      loading = 0;
      if (value) {
        doc = '';
        for (const name in value) {
          const v = tag(get(value, name));
          if (v != 'o') doc += plain(name) + RS + v + RS;
        }
        capture();
        if (!ready) {
          ready = 1;
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
          if (d.readyState != 'loading') run(DOM_READY);
          else d.addEventListener('DOMContentLoaded', () => run(DOM_READY));
        }
      } else warn('could not load the program settings');
      for (const job of deferred.splice(0)) handle(...job);
    } else if (kind == NAVIGATED) {
      if (ready) capture();
    } else if (kind == DOM_READY) {
      render(MARKER);
      // A sign-up page (one asking for an e-mail address) may report the sign-up and leave at
      // once: have the chunk that builds the report ready by then.
      if (d.querySelector('input[type=email]')) extras().catch(() => {});
    }
    else if (kind == SUBMITTED) {
      const [f, form] = value;
      // Ours are ignored; when any form is marked as the sign-up form, only marked forms are read.
      if (has(form, 'data-partnero-ignore')) return;
      if (d.querySelector('form[data-partnero-signup]') && !has(form, 'data-partnero-signup')) return;
      const c = f.readInputs(form.querySelectorAll('input'));
      if (c && !captured.includes(c.email)) {
        captured.push(c.email);
        signup(() => c);
      }
    }
  };

  const run = (kind, value) => {
    jobs.push([kind, value]);
    if (busy) return;
    busy = 1;
    try {
      while (jobs.length)
        try {
          handle(...jobs.shift());
        } catch (e) {
          warn(e);
        }
    } finally {
      busy = 0;
    }
  };
  return run;
}
