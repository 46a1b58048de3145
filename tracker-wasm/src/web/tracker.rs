//! The tracker's state and what each job does: load settings, capture the referral key, hold it for
//! consent, write cookies, report visits, sign-ups and transactions, render forms.

use super::cookie_jar::CookieJar;
use super::host::{self, get, object, put, warn};
use super::runtime::Job;
use super::value::{arg, customer, data, field, item, transaction};
use super::{capture, payload};
use crate::arg::Arg;
use crate::attribution::should_write;
use crate::command::{self, Command, Customer, clean_text};
use crate::cookie::{PARTNER_COOKIE, REFERRAL_COOKIE, VISITOR_COOKIE, max_age};
use crate::endpoint::{self, collector_base, settings_url};
use crate::extract::{Found, find_key};
use crate::key::is_valid_key;
use crate::settings::{Lifetime, SETTING_NAMES, Settings};
use crate::url::{self, Url};
use crate::uuid::{is_uuid, uuid_v4};
use alloc::string::String;
use alloc::vec::Vec;
use wasm_bindgen::JsValue;

/// Elements rendered without code.
pub const MARKER_SELECTOR: &str = "[data-partnero-form]";

/// Everything the tracker remembers during a page view (one program per page).
pub struct Tracker {
    script_src: String,
    /// The loader's `net(url, body?, keepalive?)`.
    net: JsValue,
    /// URL of the refer-a-friend form chunk.
    form_chunk: String,
    /// The tracker's own `run(kind, value)`, handed to the host for callbacks.
    run: JsValue,
    host: Option<String>,
    assets_host: Option<String>,
    /// The program named by `po('program', id, …)`.
    pub program: Option<String>,
    pub settings: Settings,
    /// Settings given on the page, re-applied over the collector's document.
    overrides: Vec<(String, Arg)>,
    /// The collector's settings arrived.
    pub ready: bool,
    /// A settings request is in flight; calls wait in `deferred` meanwhile so they run in order.
    loading: bool,
    deferred: Vec<Job>,
    consent_granted: bool,
    /// A referral landing waiting for `po('consent','grant')`: the key and the page address.
    held: Option<(Found, String)>,
    jar: Option<CookieJar>,
    /// `key url` of every landing already reported (SPA navigation re-runs extraction).
    reported: Vec<String>,
    /// The navigation URL was already looked at (only the first capture does).
    landing_checked: bool,
    /// E-mails already reported by the sign-up capture.
    captured: Vec<String>,
    capturing: bool,
}

impl Tracker {
    /// A tracker for a loader served from `script_src`, using the loader's `net` helper.
    pub fn new(script_src: String, net: JsValue, form_chunk: String, run: JsValue) -> Tracker {
        Tracker {
            script_src,
            net,
            form_chunk,
            run,
            host: None,
            assets_host: None,
            program: None,
            settings: Settings::default(),
            overrides: Vec::new(),
            ready: false,
            loading: false,
            deferred: Vec::new(),
            consent_granted: false,
            held: None,
            jar: None,
            reported: Vec::new(),
            landing_checked: false,
            captured: Vec::new(),
            capturing: false,
        }
    }

    /// Runs one job.
    pub fn handle(&mut self, job: Job) {
        match job {
            Job::Call(..) | Job::Navigated | Job::DomReady if self.loading => {
                self.deferred.push(job)
            }
            Job::Call(args) => {
                let words: [Arg; 5] = core::array::from_fn(|i| arg(&item(&args, i as u32)));
                match command::parse(&words) {
                    Ok(cmd) => self.run(cmd, &item(&args, 2)),
                    Err(message) => warn(message),
                }
            }
            Job::Settings(document) => {
                self.loading = false;
                if document.is_undefined() {
                    warn("could not load the program settings");
                } else {
                    self.settings_arrived(&document);
                }
                for job in core::mem::take(&mut self.deferred) {
                    self.handle(job);
                }
            }
            Job::Navigated => {
                if self.ready {
                    self.capture();
                }
            }
            Job::DomReady => {
                self.render_forms(&JsValue::from_str(MARKER_SELECTOR), false, None);
            }
            Job::Submitted(form) => {
                if let Some(customer) = capture::read_form(&form) {
                    let email = customer.email.clone().unwrap_or_default();
                    if !self.captured.contains(&email) {
                        self.captured.push(email);
                        self.report_signup(&customer);
                    }
                }
            }
        }
    }

    fn run(&mut self, cmd: Command<'_>, object: &JsValue) {
        match cmd {
            Command::Setting {
                name: "host",
                value: Arg::Text(value),
            } => self.host = Some(value.clone()),
            Command::Setting {
                name: "assets_host",
                value: Arg::Text(value),
            } => self.assets_host = Some(value.clone()),
            Command::Setting { .. } => warn("unknown setting"),
            Command::Load { program } => {
                if self.select(program) {
                    self.load();
                }
            }
            Command::ProgramSetting {
                program,
                name,
                value,
            } => {
                if self.select(program) {
                    if self.settings.apply(name, value) {
                        self.overrides.push((name.into(), value.clone()));
                    } else {
                        warn("unknown or invalid program setting");
                    }
                }
            }
            Command::Signup => match customer(&data(object)).check() {
                Ok(customer) => self.report_signup(&customer),
                Err(message) => warn(message),
            },
            Command::Transaction => match transaction(object) {
                Ok(t) => {
                    if let Some((program, base)) = self.target() {
                        let (visitor, referral) = self.identity();
                        let body = payload::transaction(
                            &program,
                            visitor.as_deref(),
                            referral.as_deref(),
                            &t,
                        );
                        self.send(&base, endpoint::TRANSACTIONS, &body);
                    }
                }
                Err(message) => warn(message),
            },
            Command::Universal => {
                if !core::mem::replace(&mut self.capturing, true) {
                    host::capture(&self.run);
                }
            }
            Command::Consent(true) => {
                self.consent_granted = true;
                if let Some((found, href)) = self.held.take() {
                    self.commit(&found, &href);
                }
            }
            Command::Consent(false) => {
                self.consent_granted = false;
                self.held = None;
                let jar = self.jar();
                for name in [REFERRAL_COOKIE, PARTNER_COOKIE, VISITOR_COOKIE] {
                    jar.delete(name);
                }
            }
            Command::RenderForm => {
                let target = get(object, "target");
                let target = if target.is_string() || target.is_object() {
                    target
                } else {
                    JsValue::from_str(MARKER_SELECTOR)
                };
                let ask_name = field(object, "name").truthy() == Some(true);
                let button = clean_text(&field(object, "button"));
                if self.render_forms(&target, ask_name, button.as_deref()) == Some(0) {
                    warn("form render: no target element found");
                }
            }
        }
    }

    /// Renders the refer-a-friend form into `target` (selector or element) through the lazily
    /// loaded form chunk; returns how many targets there are.
    fn render_forms(&self, target: &JsValue, ask_name: bool, button: Option<&str>) -> Option<u32> {
        let (program, base) = self.target()?;
        let options = object();
        put(&options, "program", JsValue::from_str(&program));
        put(
            &options,
            "endpoint",
            JsValue::from_str(&endpoint::join(&base, endpoint::REFERRAL_LINKS)),
        );
        put(&options, "name", JsValue::from_bool(ask_name));
        if let Some(button) = button {
            put(&options, "button", JsValue::from_str(button));
        }
        Some(host::render_forms(
            &self.form_chunk,
            target,
            &options,
            &self.net,
            &self.run,
        ))
    }

    /// Makes `id` the page's program; false (with a warning) for a second, different program.
    fn select(&mut self, id: &str) -> bool {
        match &self.program {
            Some(current) if current != id => {
                warn("only one program per page is supported");
                false
            }
            Some(_) => true,
            None => {
                self.program = Some(id.into());
                true
            }
        }
    }

    /// The program id and the collector base, or a warning.
    fn target(&self) -> Option<(String, String)> {
        let Some(program) = self.program.clone() else {
            warn("no program: call po('program', ID, 'load') first");
            return None;
        };
        let Some(base) = collector_base(
            self.host.as_deref(),
            self.assets_host.as_deref(),
            &self.script_src,
        ) else {
            warn("no collector URL: set po('settings', 'host', URL)");
            return None;
        };
        Some((program, base))
    }

    /// POSTs `body` to `{base}{path}` as a beacon.
    fn send(&self, base: &str, path: &str, body: &JsValue) {
        host::send(&self.net, &endpoint::join(base, path), body);
    }

    /// Requests the program's settings through the loader (which may have started it already).
    fn load(&mut self) {
        let Some((program, base)) = self.target() else {
            return;
        };
        self.loading = true;
        host::load(&self.net, &settings_url(&base, &program), &self.run);
    }

    fn settings_arrived(&mut self, doc: &JsValue) {
        let mut settings = Settings::default();
        for name in SETTING_NAMES {
            let value = field(doc, name);
            if value != Arg::Other {
                settings.apply(name, &value);
            }
        }
        for (name, value) in &self.overrides {
            settings.apply(name, value);
        }
        self.settings = settings;
        let first = !core::mem::replace(&mut self.ready, true);
        self.capture();
        if first {
            host::watch(&self.run);
            host::when_ready(&self.run);
        }
    }

    fn jar(&mut self) -> &CookieJar {
        self.jar.get_or_insert_with(|| {
            let href = host::href();
            let url = Url::parse(&href);
            CookieJar::probe(
                url.map_or("", |u| u.host),
                url.is_some_and(|u| u.is_https()),
            )
        })
    }

    /// May the program track the visitor now (privacy signal, consent)?
    fn may_track(&self) -> bool {
        !(self.settings.honor_gpc && host::privacy())
            && (!self.settings.consent_required || self.consent_granted)
    }

    /// Key extraction for the current address.
    fn capture(&mut self) {
        if self.settings.honor_gpc && host::privacy() {
            return;
        }
        let href = host::href();
        let Some(url) = Url::parse(&href) else { return };
        if !self.settings.allows_host(url.host) {
            warn("this page is not on the program's domains");
            return;
        }
        let mut found = find_key(&url, &self.settings);
        let mut at = href.clone();
        let first = !self.landing_checked;
        self.landing_checked = true;
        if found.is_none() && first {
            // A router may have rewritten the address before this script ran: use the landing URL.
            let landing = host::landing();
            if let Some(u) = Url::parse(&landing).filter(|u| self.settings.allows_host(u.host)) {
                found = find_key(&u, &self.settings);
                at = landing.clone();
            }
        }
        match found {
            Some(found) if self.settings.consent_required && !self.consent_granted => {
                self.held = Some((found, at))
            }
            Some(found) => self.commit(&found, &at),
            None => self.renew(),
        }
    }

    /// A "lifetime" cookie is rewritten on every visit (browsers cap cookies at 400 days).
    fn renew(&mut self) {
        let (name, lifetime) = (self.settings.cookie_name(), self.settings.lifetime);
        if lifetime != Lifetime::Forever || !self.may_track() {
            return;
        }
        let jar = self.jar();
        if let Some(key) = jar.read(name).filter(|k| is_valid_key(k)) {
            jar.write(name, &key, max_age(lifetime));
        }
    }

    /// Writes the cookie (per attribution), reports the visit once, cleans the URL.
    fn commit(&mut self, found: &Found, href: &str) {
        let seconds = max_age(self.settings.lifetime);
        let jar = self.jar().clone();
        let name = self.settings.cookie_name();
        if should_write(
            self.settings.attribution,
            jar.read(name).as_deref(),
            &found.key,
        ) {
            jar.write(name, &found.key, seconds);
        }
        let visitor = match jar.read(VISITOR_COOKIE).filter(|v| is_uuid(v)) {
            Some(v) => v,
            None => {
                let mut bytes = [0u8; 16];
                host::random(&mut bytes);
                uuid_v4(bytes)
            }
        };
        jar.write(VISITOR_COOKIE, &visitor, seconds);
        let mut marker = found.key.clone();
        marker.push(' ');
        marker.push_str(href);
        if !self.reported.contains(&marker) {
            self.reported.push(marker);
            if let Some((program, base)) = self.target() {
                let body = payload::visit(&program, found, &visitor, href, &host::referrer());
                self.send(&base, endpoint::VISITS, &body);
            }
        }
        if self.settings.clean_url {
            let settings = &self.settings;
            let named = |n: &str| {
                n == settings.query_param || settings.param_aliases.iter().any(|a| a == n)
            };
            if href == host::href()
                && let Some(clean) = url::without_params(href, named)
            {
                host::replace_url(&clean);
            }
        }
    }

    /// The visitor id and referral key to attach to a sign-up or transaction.
    fn identity(&mut self) -> (Option<String>, Option<String>) {
        if !self.may_track() {
            return (None, None);
        }
        let name = self.settings.cookie_name();
        let jar = self.jar().clone();
        let visitor = jar.read(VISITOR_COOKIE).filter(|v| is_uuid(v));
        let referral = jar.read(name).filter(|k| is_valid_key(k)).or_else(|| {
            let href = host::href();
            Url::parse(&href)
                .and_then(|u| find_key(&u, &self.settings))
                .map(|f| f.key)
        });
        (visitor, referral)
    }

    fn report_signup(&mut self, customer: &Customer) {
        if let Some((program, base)) = self.target() {
            let (visitor, referral) = self.identity();
            let body = payload::signup(&program, visitor.as_deref(), referral.as_deref(), customer);
            self.send(&base, endpoint::SIGNUPS, &body);
        }
    }

    /// The current value of the program's referral cookie (tests and diagnostics).
    pub fn referral_cookie(&mut self) -> Option<String> {
        let name = self.settings.cookie_name();
        self.jar().read(name)
    }
}
