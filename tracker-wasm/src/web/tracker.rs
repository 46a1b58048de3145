//! The tracker's state and what each job does: load settings, capture the referral key, hold it for
//! consent, write cookies, report visits, sign-ups and transactions, render forms.

use super::cookie_jar::CookieJar;
use super::js::{self, arg, beacon, get, item, s, warn};
use super::runtime::{Job, Runtime};
use super::{capture, form, history};
use crate::arg::Arg;
use crate::attribution::should_write;
use crate::command::{self, Command, Customer, FormOptions, Transaction, clean_text};
use crate::cookie::{PARTNER_COOKIE, REFERRAL_COOKIE, VISITOR_COOKIE, max_age};
use crate::endpoint::{self, collector_base, settings_url};
use crate::extract::{Found, find_key};
use crate::key::is_valid_key;
use crate::payload;
use crate::settings::{Lifetime, SETTING_NAMES, Settings};
use crate::url::{self, Url};
use crate::uuid::{is_uuid, uuid_v4};
use alloc::boxed::Box;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;
use js_sys::Function;
use wasm_bindgen::JsValue;

/// Everything the tracker remembers during a page view (one program per page).
pub struct Tracker {
    script_src: String,
    net: Function,
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
    /// E-mails already reported by the sign-up capture.
    captured: Vec<String>,
    capturing: bool,
}

impl Tracker {
    /// A tracker for a loader served from `script_src`, using the loader's `net` helper.
    pub fn new(script_src: String, net: Function) -> Tracker {
        Tracker {
            script_src,
            net,
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
            captured: Vec::new(),
            capturing: false,
        }
    }

    /// Runs one job.
    pub fn handle(&mut self, runtime: &Rc<Runtime>, job: Job) {
        match job {
            Job::Call(..) | Job::Navigated | Job::DomReady if self.loading => {
                self.deferred.push(job)
            }
            Job::Call(args) => {
                let words: Vec<Arg> = (0..5).map(|i| arg(&item(&args, i))).collect();
                match command::parse(&words) {
                    Ok(cmd) => self.run(runtime, cmd, &item(&args, 2)),
                    Err(message) => warn(message),
                }
            }
            Job::Settings(document) => {
                self.loading = false;
                match document {
                    Some(doc) => self.settings_arrived(runtime, &doc),
                    None => warn("could not load the program settings"),
                }
                for job in core::mem::take(&mut self.deferred) {
                    self.handle(runtime, job);
                }
            }
            Job::Navigated => {
                if self.ready {
                    self.capture();
                }
            }
            Job::DomReady => {
                if let Some((program, base)) = self.target() {
                    form::render_all(
                        form::MARKER_SELECTOR,
                        &program,
                        &base,
                        &FormOptions::default(),
                        &self.net,
                    );
                }
            }
            Job::FormSignup(customer) => {
                let email = customer.email.clone().unwrap_or_default();
                if !self.captured.contains(&email) {
                    self.captured.push(email);
                    self.report_signup(&customer);
                }
            }
        }
    }

    fn run(&mut self, runtime: &Rc<Runtime>, cmd: Command, object: &JsValue) {
        match cmd {
            Command::Setting {
                name,
                value: Arg::Text(value),
            } if name == "host" => self.host = Some(value),
            Command::Setting {
                name,
                value: Arg::Text(value),
            } if name == "assets_host" => self.assets_host = Some(value),
            Command::Setting { .. } => warn("unknown setting"),
            Command::Load { program } => {
                if self.select(program) {
                    self.load(runtime);
                }
            }
            Command::ProgramSetting {
                program,
                name,
                value,
            } => {
                if self.select(program) {
                    if self.settings.apply(&name, &value) {
                        self.overrides.push((name, value));
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
                        beacon(
                            &endpoint::join(&base, endpoint::TRANSACTIONS),
                            &body,
                            &self.net,
                        );
                    }
                }
                Err(message) => warn(message),
            },
            Command::Universal => {
                if !core::mem::replace(&mut self.capturing, true) {
                    capture::install(runtime);
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
                let Some((program, base)) = self.target() else {
                    return;
                };
                let options = FormOptions {
                    ask_name: arg(&get(object, "name")).truthy() == Some(true),
                    button: clean_text(&arg(&get(object, "button"))),
                };
                let target = get(object, "target");
                let rendered = match target.as_string() {
                    Some(selector) => {
                        form::render_all(&selector, &program, &base, &options, &self.net)
                    }
                    None if target.is_object() => {
                        form::render(&target, &program, &base, &options, &self.net)
                    }
                    None => form::render_all(
                        form::MARKER_SELECTOR,
                        &program,
                        &base,
                        &options,
                        &self.net,
                    ),
                };
                if rendered == 0 {
                    warn("form render: no target element found");
                }
            }
        }
    }

    /// Makes `id` the page's program; false (with a warning) for a second, different program.
    fn select(&mut self, id: String) -> bool {
        match &self.program {
            Some(current) if *current != id => {
                warn("only one program per page is supported");
                false
            }
            _ => {
                self.program = Some(id);
                true
            }
        }
    }

    fn base(&self) -> Option<String> {
        collector_base(
            self.host.as_deref(),
            self.assets_host.as_deref(),
            &self.script_src,
        )
    }

    /// The program id and the collector base, or a warning.
    fn target(&self) -> Option<(String, String)> {
        let Some(program) = self.program.clone() else {
            warn("no program: call po('program', ID, 'load') first");
            return None;
        };
        let Some(base) = self.base() else {
            warn("no collector URL: set po('settings', 'host', URL)");
            return None;
        };
        Some((program, base))
    }

    /// Requests the program's settings through the loader (which may have started it already).
    fn load(&mut self, runtime: &Rc<Runtime>) {
        let Some((program, base)) = self.target() else {
            return;
        };
        self.loading = true;
        let (ok, failed) = (runtime.clone(), runtime.clone());
        js::then(
            self.net
                .call1(&JsValue::NULL, &s(&settings_url(&base, &program))),
            Box::new(move |doc| ok.dispatch(Job::Settings(Some(doc)))),
            Box::new(move |_| failed.dispatch(Job::Settings(None))),
        );
    }

    fn settings_arrived(&mut self, runtime: &Rc<Runtime>, doc: &JsValue) {
        let mut settings = Settings::default();
        for name in SETTING_NAMES {
            let value = arg(&get(doc, name));
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
            history::watch(runtime);
            form::when_dom_ready(runtime);
        }
    }

    fn jar(&mut self) -> &CookieJar {
        self.jar.get_or_insert_with(|| {
            let href = js::href();
            let url = Url::parse(&href);
            CookieJar::probe(
                url.map_or("", |u| u.host),
                url.is_some_and(|u| u.is_https()),
            )
        })
    }

    /// May the program track the visitor now (privacy signal, consent)?
    fn may_track(&self) -> bool {
        !(self.settings.honor_gpc && js::privacy_signal())
            && (!self.settings.consent_required || self.consent_granted)
    }

    /// Key extraction for the current address.
    fn capture(&mut self) {
        if self.settings.honor_gpc && js::privacy_signal() {
            return;
        }
        let href = js::href();
        let Some(url) = Url::parse(&href) else { return };
        if !self.settings.allows_host(url.host) {
            warn("this page is not on the program's domains");
            return;
        }
        match find_key(&url, &self.settings) {
            Some(found) if self.settings.consent_required && !self.consent_granted => {
                self.held = Some((found, href))
            }
            Some(found) => self.commit(&found, &href),
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
            None => uuid_v4(js::random_bytes()),
        };
        jar.write(VISITOR_COOKIE, &visitor, seconds);
        let mut marker = found.key.clone();
        marker.push(' ');
        marker.push_str(href);
        if !self.reported.contains(&marker) {
            self.reported.push(marker);
            if let Some((program, base)) = self.target() {
                let referrer = js::text(&get(&js::document(), "referrer"));
                let body = payload::visit(&program, found, &visitor, href, &referrer);
                beacon(&endpoint::join(&base, endpoint::VISITS), &body, &self.net);
            }
        }
        if self.settings.clean_url {
            let names: Vec<&str> = self.settings.query_params().collect();
            if let Some(clean) = url::without_params(href, &names) {
                history::replace_url(&clean);
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
            let href = js::href();
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
            beacon(&endpoint::join(&base, endpoint::SIGNUPS), &body, &self.net);
        }
    }

    /// The current value of the program's referral cookie (tests and diagnostics).
    pub fn referral_cookie(&mut self) -> Option<String> {
        let name = self.settings.cookie_name();
        self.jar().read(name)
    }
}

/// `{data: {...}}` or the object itself.
fn data(object: &JsValue) -> JsValue {
    let inner = get(object, "data");
    if inner.is_object() {
        inner
    } else {
        object.clone()
    }
}

fn customer(object: &JsValue) -> Customer {
    let field = |name: &str| clean_text(&arg(&get(object, name)));
    let tags = match arg(&get(object, "tags")) {
        Arg::List(tags) => tags,
        _ => Vec::new(),
    };
    Customer {
        key: field("key"),
        email: field("email"),
        name: field("name"),
        tags,
    }
}

fn transaction(object: &JsValue) -> Result<Transaction, &'static str> {
    let body = data(object);
    Ok(Transaction {
        key: clean_text(&arg(&get(&body, "key"))),
        amount: command::amount(&arg(&get(&body, "amount")))?,
        customer: customer(&get(&body, "customer")),
        create_customer: arg(&get(&get(object, "options"), "create_customer")).truthy()
            == Some(true),
    })
}
