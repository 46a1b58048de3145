// Reading what the site hands the tracker as JavaScript objects (sign-up and transaction data) or
// types into its forms (the no-code sign-up capture), the request bodies built from them, and the
// `clean_url` address. The browser does the parsing and JSON; the referral decisions are the
// WebAssembly core's (../api.rs). `get` and `isList` are also bundled into universal.js; the rest
// is the lazy chunk's (form.js).

/** The lazy chunk's URL when these modules are served as they are (the browser tests). */
export const chunkUrl = () => new URL('form.js', import.meta.url).href;

/** `o[k]`; undefined for null/undefined `o` or a throwing getter. */
export const get = (o, k) => {
  try {
    return o == null ? undefined : o[k];
  } catch (_) {}
};

/** A list: an array or a node list. */
export const isList = (v) => Array.isArray(v) || v instanceof NodeList;

/** A text field: trimmed, 1–`max` (default 256) characters, else undefined. */
export const cleanText = (v, max = 256) => {
  if (typeof v != 'string') return;
  v = v.trim();
  if (v && v.length <= max) return v;
};

/**
 * A customer or transaction key: a text field, or a safe integer or a BigInt (sites pass
 * `user.id`, often a number) as its decimal text. Another number (`2 ** 53`, `1.5`: its digits may
 * already be lost) is NaN, which the request bodies refuse with a warning (see `body`).
 */
export const keyText = (v) => {
  const t = typeof v;
  return t == 'bigint' || Number.isSafeInteger(v) ? '' + v : t == 'number' ? NaN : cleanText(v);
};

/** A boolean option: `true`, non-zero numbers, `"true"`, `"1"`, `"yes"` and `"on"` are true. */
export const truthy = (v) =>
  v === true || (typeof v == 'number' && v != 0) || (typeof v == 'string' && /^(true|1|yes|on)$/.test(v));

/**
 * A transaction amount: a number, or a plain decimal string such as `49` or `49.95` (at most 15
 * digits before the point), rounded half up to cents on its decimal text, as a number (the
 * collector takes at most 2 decimals: `9.95 * 3` is 29.849999999999998, sent as 29.85; `1.005`
 * and `"1.005"` as 1.01, not the 1.00 of the binary value); undefined when absent; NaN when
 * invalid, negative or too large for a number. The collector takes no negative amounts (a refund
 * is the backend's `DELETE`); a computed zero such as `0.3 - 0.1 - 0.2` (-2.8e-17) is 0.
 */
export const amount = (v) => {
  const t = typeof v;
  if (t == 'string' ? /^\d{1,15}(\.\d*)?$/.test((v = v.trim())) : t == 'number') {
    // The decimal point moved right by 2 in the text, exponent forms (`1e-7`, `1e+21`) included.
    const [m, e = 0] = ('' + v).split('e');
    v = Math.round(m + 'e' + (+e + 2)) / 100;
    return v >= 0 && v < Infinity ? v : NaN;
  }
  if (t == 'string' || t == 'boolean' || isList(v)) return NaN;
};

/**
 * A customer object `{key, email, name, tags}` within the collector's limits: texts cleaned (a
 * number key as its text, see `keyText`), a name of at most 255 characters, the first 20 tags of
 * 1–64 characters (of the first 64 entries).
 */
export const customer = (o) => {
  const tags = get(o, 'tags');
  return {
    key: keyText(get(o, 'key')),
    email: cleanText(get(o, 'email')),
    name: cleanText(get(o, 'name'), 255),
    tags: isList(tags)
      ? Array.prototype.slice
          .call(tags, 0, 64)
          .map((t) => cleanText(t, 64))
          .filter(Boolean)
          .slice(0, 20)
      : undefined,
  };
};

/** `{data: {...}}` or the object itself. */
export const data = (o) => {
  const inner = get(o, 'data');
  return inner && typeof inner == 'object' ? inner : o;
};

/**
 * `{program, visitor?, referral?, …}` as JSON text: absent and empty fields are left out. A key
 * that is a number but no safe integer (NaN from `keyText`, `null` in JSON) makes it a warning
 * (starting with `!`) instead: the collector would refuse the request and the sign-up or sale be
 * lost without a word.
 */
export const body = (program, visitor, referral, rest) => {
  const text = JSON.stringify(
    Object.assign({ program, visitor: visitor || undefined, referral: referral || undefined }, rest),
    (k, v) => (k == 'tags' && v && !v.length ? undefined : v),
  );
  return text.includes('"key":null') ? '!a number key must be a safe integer: pass it as text' : text;
};

/** `POST /pub/signups` for `po('customers','signup',{data})`; a string is the warning. */
export const signupBody = (program, visitor, referral, c) =>
  c.key != null || c.email ? body(program, visitor, referral, { customer: c }) : '!customers signup needs data.key or data.email';

/** `POST /pub/transactions` for `po('transactions','create',…)`; a string starting with `!` is the warning. */
export const transactionBody = (program, visitor, referral, o) => {
  const sale = data(o);
  const value = amount(get(sale, 'amount'));
  if (value != value) return '!transaction amount is not a number of at least 0';
  // The collector's transaction customer takes no tags (a 422 that would lose the sale).
  const buyer = { ...customer(get(sale, 'customer')), tags: undefined };
  return body(program, visitor, referral, {
    transaction: { key: keyText(get(sale, 'key')), amount: value, customer: buyer },
    options: { create_customer: truthy(get(get(o, 'options'), 'create_customer')) },
  });
};

/** Input types that never hold an e-mail address or a name. */
const SKIPPED = /^(password|hidden|checkbox|radio|submit|button|file)$/i;
/** `autocomplete` tokens (the last one counts) and their roles: e-mail, name, first, last name. */
const AUTOCOMPLETE = { __proto__: null, email: 'e', name: 'n', 'given-name': 'f', 'family-name': 'l' };
/** Field names and ids (lowercase, letters and digits only) and their roles. */
const NAMES = {
  __proto__: null,
  mail: 'e',
  firstname: 'f',
  fname: 'f',
  givenname: 'f',
  userfirstname: 'f',
  lastname: 'l',
  lname: 'l',
  surname: 'l',
  familyname: 'l',
  userlastname: 'l',
  name: 'n',
  fullname: 'n',
  yourname: 'n',
  customername: 'n',
};

/**
 * What an `<input>` holds, judged from its `type`, `name`, `id` and `autocomplete` attributes:
 * `e` e-mail, `n` name, `f` first name, `l` last name, `` anything else (passwords, hidden fields…).
 */
export const classify = (type, name, id, autocomplete) => {
  if (SKIPPED.test(type)) return '';
  const role = AUTOCOMPLETE[autocomplete.split(' ').pop().toLowerCase()];
  if (role) return role;
  if (/^email$/i.test(type)) return 'e';
  for (const attr of [name, id]) {
    const words = attr.replace(/[^A-Za-z0-9]/g, '').toLowerCase();
    if (words.includes('email')) return 'e';
    if (NAMES[words]) return NAMES[words];
  }
  return '';
};

/** A plausible e-mail address: one `@`, something before it, a dot after it, no spaces. */
export const looksLikeEmail = (text) => {
  const at = text.indexOf('@');
  const domain = text.slice(at + 1);
  return (
    at > 0 &&
    domain.includes('.') &&
    domain[0] != '.' &&
    !domain.endsWith('.') &&
    !domain.includes('@') &&
    text.length <= 254 &&
    !/[ \x00-\x1f\x7f]/.test(text)
  );
};

/** The customer's name from a full-name field or first and last name fields. */
export const fullName = (name, first, last) => name.trim() || [first.trim(), last.trim()].filter(Boolean).join(' ') || undefined;

/**
 * The customer a submitted sign-up form's inputs describe (`{type, name, id, autocomplete,
 * value}` each; the first field of each role wins); undefined without a plausible e-mail address.
 */
export const readInputs = (inputs) => {
  const found = {};
  for (const i of inputs) {
    const value = String(i.value || '').trim();
    const role = classify(...['type', 'name', 'id', 'autocomplete'].map((n) => String(i[n] || '')));
    if (role == 'e' ? !found.e && looksLikeEmail(value) : role && !found[role]) found[role] = value;
  }
  if (found.e) return { email: found.e, name: fullName(found.n || '', found.f || '', found.l || '') };
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
