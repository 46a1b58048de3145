// The hand-written loader behind /js/universal.js (bundled with tracker-wasm/src/web/tracker.js by
// `cargo xtask build-tracker`). It takes over the `po` queue created by Partnero's snippet:
// - starts the program-settings request and the wasm download + compile at once, in parallel
//   (`WebAssembly.instantiateStreaming`, falling back to bytes when the server's MIME type is off;
//   the wasm imports nothing and exports numbers only, so no wasm-bindgen glue is needed);
// - boots the tracker and runs the queued calls in order (chained calls after their parent);
// - replaces the stub so later calls run at once, also through references to the old stub;
// - leaves the queue to the first copy when the script is loaded twice (the snippet pasted twice);
// - never throws into the page: every failure is reported once with console.warn('[partnero] …').
import { boot, collectorBase, warn } from '../../tracker-wasm/src/web/tracker.js';

try {
  // (Constants inside the block, so that the minifier inlines them.)
  // Bytes of the core's input/answer buffer (BUFFER_BYTES in tracker-wasm/src/web/mod.rs).
  const BUFFER_BYTES = 65536;
  // Replaced by the content-hashed file names at build time.
  const WASM = '__TRACKER_WASM__';
  const FORM = '__TRACKER_FORM__';
  const w = window;
  const name = w.__partnerObject || 'po';
  const stub = w[name];
  const queue = stub?.q || [];
  const here = document.currentScript?.src || '';
  const at = (file) => new URL(file, here || location.href);

  // Partnero's snippet pasted twice (in the theme and by a tag manager) loads this script twice.
  // The copy that runs first marks the queue, which the stub and the function installed later
  // share (`po.q`): a second copy leaves it alone, so the first keeps the program and runs every
  // call, those pushed meanwhile by the second snippet too. (Without the mark, the second copy
  // would install its own tracker, which never saw `load`, over the first.)
  if (!queue.l) {
    queue.l = 1;
    // net(url) GETs JSON (one request per URL, shared with the tracker); net(url, body) POSTs
    // text/plain JSON and reads the JSON answer; net(url, body, true) is the keepalive fallback of
    // navigator.sendBeacon and never rejects.
    const requests = {};
    const net = (url, body, keep) => {
      if (keep) return fetch(url, { method: 'POST', body, keepalive: true, mode: 'no-cors', credentials: 'include' }).catch(warn);
      // (The rejection's reason is never shown: the tracker warns in its own words.)
      const request = () =>
        fetch(url, { method: body == null ? 'GET' : 'POST', body, credentials: 'omit' }).then((r) =>
          r.ok ? r.json() : Promise.reject(),
        );
      return body == null ? (requests[url] ||= request()) : request();
    };

    // The settings request needs the collector base and the program id: both are in the queue.
    const given = {};
    const ids = [];
    const scan = (calls) => {
      for (const call of calls) {
        const a = call?.a || [];
        if (a[0] == 'settings') given[a[1]] = a[2];
        if (a[0] == 'program' && a[2] == 'load') ids.push(a[1]);
        scan(call?.q || []);
      }
    };
    scan(queue);
    const base = collectorBase(given.host, given.assets_host, here);
    if (base) for (const id of ids) net(base + '/pub/programs/' + id).catch(() => {});

    const response = fetch(at(WASM));
    // A browser without instantiateStreaming (or a server sending another MIME type) takes the bytes.
    new Promise((resolve) => resolve(WebAssembly.instantiateStreaming(response, {})))
      .catch(() => response.then((r) => r.arrayBuffer()).then((bytes) => WebAssembly.instantiate(bytes, {})))
      .then(({ instance }) => {
        // call(op, input): the core's run(op, len) on UTF-8 text in its buffer.
        const wasm = instance.exports;
        const start = wasm.buffer();
        const encoder = new TextEncoder();
        const decoder = new TextDecoder();
        const core = (op, input) => {
          const view = new Uint8Array(wasm.memory.buffer, start, BUFFER_BYTES);
          const { read, written } = encoder.encodeInto(input, view);
          return read < input.length ? '' : decoder.decode(view.subarray(0, wasm.run(op, written)));
        };
        const tracker = boot(here, net, at(FORM), core);
        const exec = (call) => {
          // run(0, args): a po(...) call (CALL in tracker.js).
          tracker(0, Array.from(call?.a || []));
          const chained = call?.q;
          if (chained?.splice) {
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
          return take({ a: arguments });
        };
        po.q = queue;
        queue.push = take;
        w[name] = po;
        queue.splice(0).forEach(exec);
      })
      .catch(warn);
  }
} catch (e) {
  warn(e);
}
