// The hand-written loader behind /js/universal.js (bundled with the wasm-bindgen glue by
// `cargo xtask build-tracker`). It takes over the `po` queue created by Partnero's snippet:
// - starts the program-settings request at once, in parallel with compiling the wasm;
// - boots the wasm tracker and runs the queued calls in order (chained calls after their parent);
// - replaces the stub so later calls run at once, also through references to the old stub;
// - never throws into the page: every failure is reported once with console.warn('[partnero] …').
import { initSync, Tracker } from '../../tracker-wasm/pkg/tracker_wasm.js';

// Replaced by the content-hashed file names at build time.
const WASM = '__TRACKER_WASM__';
const FORM = '__TRACKER_FORM__';

const warn = (error) => {
  try {
    console.warn('[partnero] ' + ((error && error.message) || error));
  } catch (_) {
    // no console: nothing to report to
  }
};

try {
  const w = window;
  const name = w.__partnerObject || 'po';
  const stub = w[name];
  const queue = (stub && stub.q) || [];
  const here = (document.currentScript && document.currentScript.src) || '';
  const at = (file) => new URL(file, here || location.href);

  // The collector base, as the tracker computes it: host, assets_host, then the script's origin.
  let host = '';
  let assets = '';
  const ids = [];
  const scan = (calls) => {
    for (const call of calls) {
      const a = (call && call.a) || [];
      if (a[0] == 'settings' && a[1] == 'host') host = a[2];
      if (a[0] == 'settings' && a[1] == 'assets_host') assets = a[2];
      if (a[0] == 'program' && a[2] == 'load') ids.push(a[1]);
      scan((call && call.q) || []);
    }
  };
  scan(queue);

  // net(url) GETs JSON (one request per URL, shared with the tracker); net(url, body) POSTs
  // text/plain JSON and reads the JSON answer; net(url, body, true) is the keepalive fallback of
  // navigator.sendBeacon and never rejects.
  const requests = {};
  const net = (url, body, keep) => {
    if (keep) {
      fetch(url, { method: 'POST', body, keepalive: true, mode: 'no-cors', credentials: 'include' }).catch(warn);
      return;
    }
    const request = () =>
      fetch(url, body == null ? { credentials: 'omit' } : { method: 'POST', body, credentials: 'omit' }).then((r) =>
        r.ok ? r.json() : Promise.reject(Error('HTTP ' + r.status + ' from ' + url)),
      );
    if (body != null) return request();
    return requests[url] || (requests[url] = request());
  };
  let base = String(host || assets || '').replace(/[?#].*$/, '').replace(/\/+$/, '');
  try {
    base = base || new URL(here).origin;
  } catch (_) {
    // no usable script URL: the tracker reports the missing host
  }
  for (const id of ids) net(base + '/pub/programs/' + id).catch(() => {});

  fetch(at(WASM))
    .then((r) => (r.ok ? r.arrayBuffer() : Promise.reject(Error('HTTP ' + r.status + ' from ' + r.url))))
    .then((bytes) => WebAssembly.compile(bytes))
    .then((module) => {
      initSync({ module });
      const run = (kind, value) => tracker.run(kind, value);
      const tracker = new Tracker(here, net, at(FORM).href, run);
      const exec = (call) => {
        try {
          run(0, Array.prototype.slice.call((call && call.a) || []));
        } catch (e) {
          warn(e);
        }
        const chained = call && call.q;
        if (chained && chained.splice) {
          chained.push = take;
          chained.splice(0).forEach(exec);
        }
      };
      // Runs a call pushed through an old stub reference and returns the queue function, as the
      // stub does when push does not return a number.
      const take = (call) => {
        exec(call);
        return po;
      };
      const po = function () {
        take({ a: arguments, q: [] });
        return po;
      };
      po.q = queue;
      queue.push = take;
      w[name] = po;
      queue.splice(0).forEach(exec);
    })
    .catch(warn);
} catch (e) {
  warn(e);
}
