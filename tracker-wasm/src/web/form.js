// The lazy chunk: what only some pages need, loaded by the tracker with import() on first use
// (and as soon as the program is ready on pages with an e-mail input or a form marker, or when
// the sign-up capture is enabled). Its entry, `go`, runs the tracker's jobs for sign-ups,
// transactions, the sign-up capture (`integration universal`), the refer-a-friend form and the
// `clean_url` rewrite.
//
// The refer-a-friend form (`<div data-partnero-form>` or `po('form','render',{target})`): e-mail
// (and optionally name) in, the customer's referral link out, with a copy button and share links.
// Built with DOM calls only (user data only ever goes into `textContent`/attributes), native
// controls inside labels, a `role="status"` region, and a zero-specificity constructed stylesheet
// read from CSS custom properties.
import {
  cleanText,
  customer,
  data,
  get,
  looksLikeEmail,
  readInputs,
  signupBody,
  transactionBody,
  truthy,
  withoutParams,
} from './fields.js';

const RENDERED = 'data-partnero-rendered';
const CSS =
  ':where(.partnero-form){display:grid;gap:var(--partnero-gap,.5rem);max-width:var(--partnero-width,28rem);font:var(--partnero-font,inherit)}' +
  ':where(.partnero-form label){display:grid;gap:.25rem}' +
  ':where(.partnero-form input,.partnero-form button){font:inherit;padding:var(--partnero-padding,.5rem .75rem);border-radius:var(--partnero-radius,.375rem);border:var(--partnero-border,1px solid #767676)}' +
  ':where(.partnero-form button){cursor:pointer;background:var(--partnero-accent,#1d4ed8);color:var(--partnero-accent-text,#fff)}' +
  ':where(.partnero-form [hidden]){display:none}' +
  ':where(.partnero-share){display:flex;flex-wrap:wrap;gap:.75rem}';

const d = document;

/** Share targets: label and URL prefix (the link is appended, encoded). */
const SHARE = [
  ['X', 'https://x.com/intent/tweet?url='],
  ['Facebook', 'https://www.facebook.com/sharer/sharer.php?u='],
  ['LinkedIn', 'https://www.linkedin.com/sharing/share-offsite/?url='],
  ['WhatsApp', 'https://wa.me/?text='],
  ['E-mail', 'mailto:?body='],
];

/** True for an absolute http(s) URL without spaces, quotes or control characters: safe as an href. */
export const isWebLink = (text) => {
  try {
    return (
      typeof text == 'string' &&
      text.length <= 2048 &&
      /^https?:\/\/[^/?#]/.test(text) &&
      !/[\s"<\x00-\x1f\x7f]/.test(text) &&
      !!new URL(text).host
    );
  } catch (_) {
    return false;
  }
};

/** [label, URL] share links for X, Facebook, LinkedIn, WhatsApp and e-mail. */
export const shareLinks = (link) => SHARE.map(([label, prefix]) => [label, prefix + encodeURIComponent(link)]);

/** `<tag attributes…>text</tag>` */
const element = (tag, attributes, text) => {
  const e = d.createElement(tag);
  for (const name in attributes) e.setAttribute(name, attributes[name]);
  e.textContent = text || '';
  return e;
};

/** `<label>text <input …></label>` appended to `parent`; returns the input. */
const field = (parent, label, attributes) => {
  const wrapper = element('label', {}, label);
  const input = element('input', attributes);
  wrapper.append(input);
  parent.append(wrapper);
  return input;
};

const addStylesheet = () => {
  try {
    const sheets = d.adoptedStyleSheets;
    if (sheets.some((s) => s.partnero)) return;
    const sheet = new CSSStyleSheet();
    sheet.partnero = true;
    sheet.replaceSync(CSS);
    d.adoptedStyleSheets = sheets.concat(sheet);
  } catch (_) {
    // no constructable stylesheets: the form keeps the page's styles
  }
};

/** Renders the form into `target` unless it already has one. */
export function render(target, options, net) {
  try {
    if (target.hasAttribute(RENDERED)) return;
    addStylesheet();
    const form = element('form', { class: 'partnero-form', 'data-partnero-ignore': '', novalidate: '' });
    const email = field(form, 'Your e-mail', {
      type: 'email',
      name: 'email',
      autocomplete: 'email',
      required: '',
    });
    const name =
      (truthy(options.name) || target.hasAttribute('data-partnero-name')) &&
      field(form, 'Your name', { name: 'name', autocomplete: 'name' });
    const button = element(
      'button',
      { type: 'submit' },
      cleanText(options.button) ?? target.getAttribute('data-partnero-button') ?? 'Get my referral link',
    );
    const status = element('p', { class: 'partnero-status', role: 'status', 'aria-live': 'polite' });
    const result = element('div', { class: 'partnero-result', hidden: '' });
    form.append(button, status, result);
    const say = (message) => {
      status.textContent = message;
    };
    const failed = () => {
      button.disabled = false;
      say('Sorry, your link could not be created. Please try again.');
    };
    const show = (link) => {
      button.disabled = false;
      result.textContent = '';
      const input = field(result, 'Your referral link', { type: 'url', readonly: '', value: link });
      const copy = element('button', { type: 'button' }, 'Copy link');
      const links = element('p', { class: 'partnero-share' });
      for (const [label, href] of shareLinks(link))
        links.append(element('a', { href, target: '_blank', rel: 'noopener noreferrer' }, label));
      result.append(copy, links);
      copy.addEventListener('click', () =>
        Promise.resolve()
          .then(() => navigator.clipboard.writeText(link))
          .then(
            () => say('Link copied.'),
            () => {
              input.select();
              say('Press Ctrl+C (⌘C) to copy the selected link.');
            },
          ),
      );
      result.removeAttribute('hidden');
      say('Share your referral link:');
    };
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const address = email.value.trim();
      if (!looksLikeEmail(address)) {
        say('Please enter a valid e-mail address.');
        email.focus();
        return;
      }
      const body = { program: options.program, email: address };
      const who = name && name.value.trim();
      if (who) body.name = who;
      say('Getting your link…');
      button.disabled = true;
      net(options.endpoint, JSON.stringify(body)).then((answer) => {
        const link = answer && answer.data && answer.data.referral_link;
        isWebLink(link) ? show(link) : failed();
      }, failed);
    });
    target.setAttribute(RENDERED, '');
    target.append(form);
  } catch (e) {
    console.warn('[partnero] form: ' + e);
  }
}

const has = (e, name) => !!e?.hasAttribute?.(name);

/** Sends `body` to `path` by the tracker's beacon; a body starting with `!` is a warning instead. */
const report = (x, path, body) => (body[0] == '!' ? x.w(body.slice(1)) : x.s(path, body));

/** Sends a sign-up of customer `c` with `id` ([visitor, referral]). */
const signup = (x, c, id) => report(x, '/pub/signups', signupBody(x.p, ...id, c));

/** A submitted form, read by the sign-up capture (each e-mail address once). */
const submitted = (x, form) => {
  // Ours are ignored; when any form is marked as the sign-up form, only marked forms are read.
  if (has(form, 'data-partnero-ignore')) return;
  if (d.querySelector('form[data-partnero-signup]') && !has(form, 'data-partnero-signup')) return;
  const c = readInputs(form.querySelectorAll('input'));
  if (c && !x.u.includes(c.email)) {
    x.u.push(c.email);
    signup(x, c, x.i());
  }
};

/**
 * The chunk's entry: one job of the tracker, run in its inbox, with its context `x` (`p` program,
 * `t()` collector base, `s(path, body)` beacon, `i()` [visitor, referral], `j(f)` job, `n` net,
 * `w` warn: see `boot` in tracker.js); the chunk keeps its per-tracker state on `x` (`u`). `c` is
 * the job: `s` sign-up and `t` transaction (`o` the call's object, `id` its [visitor, referral]
 * when it was made), `u` the sign-up capture, `f` form render (`o` the options), `d` the
 * `[data-partnero-form]` markers at DOM ready, `x` the `clean_url` rewrite (`o` the parameter
 * names, comma-separated; `id` the address they were found in, left alone once the page moved on).
 */
export const go = (x, c, o, id) => {
  if (c == 's') signup(x, customer(data(o)), id);
  else if (c == 't') report(x, '/pub/transactions', transactionBody(x.p, ...id, o));
  else if (c == 'u') {
    if (!x.u) {
      // The captured e-mail addresses.
      x.u = [];
      d.addEventListener('submit', (e) => x.j(() => submitted(x, e.target)), true);
    }
  } else if (c == 'f' || c == 'd') {
    const base = x.t();
    if (!base) return;
    let where = get(o, 'target');
    if (typeof where != 'string' && !(where && typeof where == 'object')) where = '[data-partnero-form]';
    let targets = [];
    try {
      targets = typeof where == 'string' ? Array.from(d.querySelectorAll(where)) : [where];
    } catch (_) {}
    const options = { program: x.p, endpoint: base + '/pub/referral-links', name: get(o, 'name'), button: get(o, 'button') };
    for (const t of targets) render(t, options, x.n);
    if (c == 'f' && !targets.length) x.w('form render: no target element found');
  } else if (c == 'x' && location.href == id) {
    const clean = withoutParams(location, o.split(','));
    if (clean)
      try {
        history.replaceState(history.state, '', clean);
      } catch (_) {}
  }
};
