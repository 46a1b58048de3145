// The tracker's hands and memory, bundled into universal.js by `cargo xtask build-tracker`: it keeps
// the page's state and does what every page needs (cookies, the visit beacon, history hooks,
// consent). What only some pages need (sign-ups, transactions, the sign-up capture, the
// refer-a-friend form, the `clean_url` rewrite) is in the lazy chunk (`form.js`), handed a context
// object. The referral decisions (commands, settings, key extraction, cookie domains and strings,
// attribution) are made by the WebAssembly core, called as `call(op, fields joined by U+001F)`
// (the operations are listed in ../api.rs).
//
// `boot(...)` returns `run(kind, value)`, the single entry point: `po(...)` calls, page events and
// the chunk's work become jobs in one inbox, so a job started while another runs waits instead of
// re-entering.
//
// The constants live inside the functions that use them so that the minifier inlines them.

import { get, isList } from './fields.js';

const d = document;
const US = '\x1f';

export const warn = (m) => {
  try {
    console.warn('[partnero] ' + (m?.message || m));
  } catch (_) {
    // no console: nothing to report to
  }
};

/** `T(op, ...fields)`: the core's `call(op, input)` with the fields joined by U+001F. */
const caller = (call) => (op, ...a) => call(op, a.join(US));

/** Text without the separators of the core's input. */
const plain = (s) => String(s).replace(/[\x1c-\x1f]/g, '');

/** A JavaScript value as the core's tagged text (see ../arg.rs). */
const tag = (v) => {
  const t = typeof v;
  return t == 'string'
    ? 's' + plain(v)
    : t == 'number' || t == 'boolean'
      ? t[0] + v
      : isList(v)
        ? 'l' +
          Array.from(v)
            .slice(0, 64)
            .filter((x) => typeof x == 'string')
            .map(plain)
            .join('\x1d')
        : 'o';
};

/** Host, path, query and fragment of a `location` or `URL` (the core's URL parts). */
const parts = (u) => [u.hostname, u.pathname, u.search.slice(1), u.hash.slice(1)];

/** A random UUID v4 (the visitor id; `crypto.randomUUID` needs https). */
export const uuid = () => {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 15) | 64;
  b[8] = (b[8] & 63) | 128;
  // A dash before bytes 4, 6, 8 and 10 (the bits of 0x550).
  return Array.from(b, (x, i) => ((0x550 >> i) & 1 ? '-' : '') + (x | 256).toString(16).slice(1)).join('');
};

/**
 * `url` parsed, when it is an absolute http(s) URL (those always have a host) whose host is not
 * partnero.com or one of its subdomains: Partnero's snippet sets `assets_host` to
 * `https://assets.partnero.com`, and a site that only points the script URL at us keeps that line.
 */
const web = (url) => {
  try {
    const u = new URL(url);
    if (/^https?:$/.test(u.protocol) && !/(^|\.)partnero\.com\.?$/.test(u.hostname)) return u;
  } catch (_) {
    // not an absolute URL
  }
};

/**
 * The collector's base URL, in order: `host`, `assets_host`, the origin of the loader's own
 * `<script src>`. Only http(s) URLs, never on partnero.com (see `web`); no trailing `/`, query or
 * fragment.
 */
export const collectorBase = (host, assets, src) => {
  const u = web(host) || web(assets);
  return u ? (u.origin + u.pathname).replace(/\/+$/, '') : web(src)?.origin;
};

/**
 * `write(name, value, maxAge)`: writes cookies on the registrable domain of `host`, found by
 * probing: a test cookie is written on each candidate parent domain (shortest first) and the first
 * one the browser keeps wins; host-only cookies when none does (localhost, IP hosts).
 */
export const cookieJar = (call, host, secure) => {
  // call(op, input): the operations of api.rs
  const CANDIDATES = 3;
  const COOKIE = 4;
  const READ = 5;
  const PROBE_COOKIE = 'partnero_probe';
  const T = caller(call);
  const writeOn = (domain, name, value, age) => {
    d.cookie = T(COOKIE, name, value, domain, age, secure ? 1 : '');
  };
  let domain = '';
  for (const c of T(CANDIDATES, host).split(US)) {
    if (!c) continue;
    writeOn(c, PROBE_COOKIE, 1, 10);
    if (T(READ, d.cookie, PROBE_COOKIE) == '1') {
      writeOn(c, PROBE_COOKIE, 1, 0);
      domain = c;
      break;
    }
  }
  return (name, value, age) => writeOn(domain, name, value, age);
};

/**
 * Starts a tracker for the loader served from `src`. `net(url)` GETs JSON, `net(url, body)` POSTs
 * text and reads the JSON answer, `net(url, body, true)` is the keepalive fallback of sendBeacon;
 * `chunk` is the URL (text or `URL`) of the lazy chunk (`form.js`: sign-ups, transactions, the
 * sign-up capture, the refer-a-friend form and the `clean_url` rewrite), imported only by pages
 * that use them; `call` is the WebAssembly core.
 */
export function boot(src, net, chunk, call) {
  // run(kind, value): CALL is a `po(...)` call (the loader's 0); a JOB runs `value()`, the chunk's
  // work. CALL, NAVIGATED and DOM_READY wait while the settings load.
  const CALL = 0;
  const NAVIGATED = 1;
  const DOM_READY = 2;
  const SETTINGS = 3;
  const JOB = 4;
  // call(op, input): the operations of api.rs
  const COMMAND = 0;
  const FIND = 1;
  const INFO = 2;
  const CANDIDATES = 3;
  const COOKIE = 4;
  const KEEP = 6;
  const VISITOR = 7;
  const IDENTITY = 8;
  const REFERRAL = 9;
  const VISITOR_COOKIE = 'partnero_session_uuid';
  /** Elements rendered without code. */
  const MARKER = '[data-partnero-form]';
  const RS = '\x1e';

  const T = caller(call);
  // granted: 1 after po('consent','grant'), 0 after po('consent','revoke'), undefined before either.
  let host, assets, jar, held, ready, loading, granted, checked, busy, lazy;
  // The settings records (see ../settings.rs): the collector's document, then the page's overrides.
  let doc = '';
  let overrides = '';
  const jobs = [];
  const deferred = [];
  const reported = [];
  const S = () => doc + overrides;
  /** [cookie name, max-age, flags, key parameter names] (api.rs INFO). */
  const info = () => T(INFO, S()).split(US);
  /**
   * False when the program honours GPC/DNT and the browser sends it, or (unless `hold`: a key is
   * only kept in memory) consent is missing: not granted yet in a program that requires it, or
   * revoked (in any program).
   */
  const mayTrack = (f = info()[2], hold) => {
    const n = navigator;
    return !(f.includes('g') && (n.globalPrivacyControl === true || n.doNotTrack == '1')) && (hold || (granted ?? !f.includes('c')));
  };
  /** The cookie writer (see `cookieJar`), made on first use. */
  const cookies = () => jar || (jar = cookieJar(call, location.hostname, location.protocol == 'https:'));

  /**
   * The context handed to the chunk (one-letter names: property names are not minified):
   * - `p`: the program id (set by `load` or a program setting);
   * - `t()`: the collector base, or undefined after a warning;
   * - `s(path, body)`: POSTs `body` as a beacon;
   * - `i()`: [visitor, referral] for a sign-up or transaction (empty when tracking is off);
   * - `j(f)`: runs `f()` as a job in the inbox;
   * - `n`: the loader's `net`; `w`: `warn`.
   * The chunk keeps its own per-tracker state on it (`u`: the sign-up capture's addresses).
   */
  const x = {
    n: net,
    w: warn,
    j: (f) => run(JOB, f),
    i: () => (mayTrack() ? T(IDENTITY, S(), d.cookie, ...parts(location)).split(US) : []),
    /** The collector base, or a warning. */
    t: () =>
      x.p
        ? collectorBase(host, assets, src) || warn("no collector URL: set po('settings', 'host', URL)")
        : warn("no program: call po('program', ID, 'load') first"),
    /** POSTs `body` to `{base}{path}` by sendBeacon, else by the loader's keepalive fetch. */
    s: (path, body) => {
      const base = x.t();
      if (!base) return;
      let sent;
      try {
        sent = navigator.sendBeacon(base + path, body);
      } catch (_) {}
      if (!sent) net(base + path, body, true);
    },
  };

  /** The lazy chunk (a promise of the module), imported once. */
  const extras = () => (lazy ||= import(chunk));
  /** The chunk's `go(x, c, o, id)` as a job once it is loaded (`c < 'g'`: a form). */
  const later = (c, o, id) =>
    extras().then(
      (m) => x.j(() => m.go(x, c, o, id)),
      (e) => warn(c < 'g' ? 'could not load the form: ' + e : e),
    );

  /** Makes `id` the page's program; false (with a warning) for a second, different program. */
  const select = (id) => (x.p && x.p != id ? warn('only one program per page is supported') : (x.p = id));

  /**
   * Writes the cookie (per attribution), reports the visit, cleans the URL. A key is reported once
   * per document: a `#faq` click or a route change that keeps `?ref=KEY` is not a new landing (a
   * different key is).
   */
  const commit = (key, format, at) => {
    const [name, age, flags, params] = info();
    const write = cookies();
    if (T(KEEP, S(), d.cookie, key)) write(name, key, age);
    const visitor = T(VISITOR, d.cookie) || uuid();
    write(VISITOR_COOKIE, visitor, age);
    if (!reported.includes(key)) {
      reported.push(key);
      x.s('/pub/visits', JSON.stringify({ program: x.p, key, visitor, url: at, referrer: d.referrer, format }));
    }
    if (flags.includes('u') && at == location.href) later('x', params, at);
  };

  /** Key extraction for the current address (and, the first time, the navigation's URL). */
  const capture = () => {
    const [name, age, flags] = info();
    // GPC/DNT stop here, and so does a revoke in a program that does not require consent; in one
    // that does, a key found before a grant (none yet, or revoked since) is held below.
    if (!mayTrack(flags, flags.includes('c'))) return;
    let at = location.href;
    let found = T(FIND, S(), ...parts(location));
    if (found == '!') return warn("this page is not on the program's domains");
    if (!found && !checked) {
      // A router may have rewritten the address before this script ran: use the landing URL.
      try {
        const landing = new URL(performance.getEntriesByType('navigation')[0].name);
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
    } else if (flags.includes('f') && mayTrack(flags)) {
      // A "lifetime" cookie is rewritten on every visit (browsers cap cookies at 400 days).
      const key = T(REFERRAL, S(), d.cookie);
      if (key) cookies()(name, key, age);
    }
  };

  const command = (args) => {
    const [c, id, record] = T(COMMAND, ...[0, 1, 2, 3, 4].map((i) => tag(get(args, i)))).split(US);
    if (c[0] == '!') warn(c.slice(1));
    else if (c == 'h') host = id;
    else if (c == 'a') assets = id;
    else if (c == 'l') {
      const base = select(id) && x.t();
      if (base) {
        loading = 1;
        net(base + '/pub/programs/' + id).then(
          (settings) => run(SETTINGS, settings || {}),
          () => run(SETTINGS),
        );
      }
    } else if (c == 'p') {
      if (select(id)) record ? (overrides += record) : warn('unknown or invalid program setting');
    } else if (c == 'g') {
      granted = 1;
      if (held) commit(...held);
      held = 0;
    } else if (c == 'r') {
      // Nothing is written or sent until a grant (a key held for a required consent stays in
      // memory: a later grant writes it). Our cookies are deleted on every candidate domain and
      // host-only: finding the registrable domain would write a probe cookie.
      granted = 0;
      for (const name of ['partnero_referral', 'partnero_partner', VISITOR_COOKIE])
        for (const domain of T(CANDIDATES, location.hostname).split(US).concat('')) d.cookie = T(COOKIE, name, '', domain, 0);
    }
    // s (sign-up), t (transaction), u (universal capture), f (form): the chunk's, with the
    // sign-up's or transaction's [visitor, referral] as they are now.
    else later(c, get(args, 2), x.i());
  };

  const handle = (kind, value) => {
    if (loading && kind < SETTINGS) return deferred.push([kind, value]);
    if (kind == CALL) command(value);
    else if (kind == SETTINGS) {
      loading = 0;
      if (value) {
        doc = '';
        // (Objects and nulls become `o` records, which the core skips as invalid.)
        for (const name in value) doc += plain(name) + RS + tag(value[name]) + RS;
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
          for (const event of ['popstate', 'hashchange']) addEventListener(event, () => run(NAVIGATED));
          if (d.readyState != 'loading') run(DOM_READY);
          else d.addEventListener('DOMContentLoaded', () => run(DOM_READY));
        }
      } else warn('could not load the program settings');
      for (const job of deferred.splice(0)) handle(...job);
    }
    // (The history hooks and the DOM_READY listener are only set up once the settings are there.)
    else if (kind == NAVIGATED) capture();
    else if (kind == DOM_READY) {
      // The form markers are rendered by the chunk. A sign-up page (one asking for an e-mail
      // address) may report the sign-up and leave at once: have the chunk ready by then.
      if (d.querySelector(MARKER)) later('d');
      else if (d.querySelector('input[type=email]')) extras().catch(() => {});
    } else value();
  };

  const run = (kind, value) => {
    jobs.push([kind, value]);
    if (busy) return;
    busy = 1;
    // warn never throws: the loop always ends, with busy cleared.
    while (jobs.length)
      try {
        handle(...jobs.shift());
      } catch (e) {
        warn(e);
      }
    busy = 0;
  };
  return run;
}
