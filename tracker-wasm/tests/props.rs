//! Property tests of the pure core: whatever a URL, cookie header or setting holds, the tracker
//! only ever stores and reports valid keys, and its text helpers agree with their definitions.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use tracker_wasm::arg::Arg;
use tracker_wasm::attribution::should_write;
use tracker_wasm::cookie::{CookieSpec, MAX_DAYS, max_age, read_cookie};
use tracker_wasm::domain::{cookie_domain_candidates, is_within};
use tracker_wasm::extract::find_key;
use tracker_wasm::key::is_valid_key;
use tracker_wasm::settings::{Attribution, Lifetime, Settings};
use tracker_wasm::url::{Url, decode, encode_component};

/// The key `find_key` writes for `href`, if any.
fn found(href: &str, settings: &Settings) -> Option<String> {
    let url = Url::parse(href.as_bytes())?;
    let mut key = Vec::new();
    find_key(&url, settings, &mut key)?;
    Some(String::from_utf8(key).expect("keys are ASCII"))
}

/// `text` percent-decoded, when it decodes to at most 64 ASCII bytes.
fn decoded(text: &str) -> Option<String> {
    let mut out = Vec::new();
    decode(text.as_bytes(), |b| b.is_ascii(), &mut out).then(|| String::from_utf8(out).unwrap())
}

fn key() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_.-]{1,64}"
}

fn label() -> impl Strategy<Value = String> {
    "[a-z0-9]{1,10}"
}

proptest! {
    #[test]
    fn found_keys_are_always_valid(query in ".{0,80}", path in ".{0,40}", fragment in ".{0,40}", host in "[a-z.]{1,20}") {
        let href = format!("https://{host}/{path}?{query}#{fragment}");
        let mut settings = Settings { subdomain_links: true, ..Settings::default() };
        prop_assert!(settings.apply(b"domains", &Arg::list("shop.test")));
        prop_assert!(settings.apply(b"sites", &Arg::list("shop.test/store")));
        if let Some(key) = found(&href, &settings) {
            prop_assert!(is_valid_key(key.as_bytes()), "{:?}", key);
        }
    }

    #[test]
    fn a_valid_key_round_trips_through_every_link_format(k in key(), other in "[a-z]{1,8}=[a-z]{0,8}") {
        let mut settings = Settings::default();
        prop_assert!(settings.apply(b"sites", &Arg::list("shop.test/store")));
        let encoded = encode_component(&k);
        for href in [
            format!("https://shop.test/?{other}&ref={encoded}"),
            format!("https://shop.test/aff/{encoded}?{other}"),
            format!("https://shop.test/store/aff/{encoded}?{other}"),
            format!("https://shop.test/#via={encoded}"),
        ] {
            prop_assert_eq!(found(&href, &settings), Some(k.clone()), "{}", href);
        }
    }

    #[test]
    fn percent_encoding_round_trips(text in "[ -~]{0,64}") {
        prop_assert_eq!(decoded(&encode_component(&text)), Some(text));
    }

    #[test]
    fn decoding_never_yields_non_ascii(text in ".{0,40}") {
        if let Some(decoded) = decoded(&encode_component(&text)) {
            prop_assert!(decoded.is_ascii());
            prop_assert_eq!(decoded, text);
        }
    }

    #[test]
    fn domain_candidates_are_parents_shortest_first(labels in prop::collection::vec(label(), 1..6)) {
        let host = labels.join(".");
        let candidates: Vec<&str> = cookie_domain_candidates(host.as_bytes())
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        if labels.len() == 1 || tracker_wasm::domain::is_ip_host(host.as_bytes()) {
            prop_assert!(candidates.is_empty());
        } else {
            prop_assert_eq!(candidates.len(), labels.len() - 1);
            prop_assert_eq!(*candidates.last().unwrap(), host.as_str());
            for pair in candidates.windows(2) {
                prop_assert!(pair[0].len() < pair[1].len());
                prop_assert!(is_within(pair[1].as_bytes(), pair[0].as_bytes()));
            }
            for c in &candidates {
                prop_assert!(c.contains('.'));
                prop_assert!(is_within(host.as_bytes(), c.as_bytes()));
            }
        }
    }

    #[test]
    fn cookie_strings_read_back(k in key(), days in 1u32..5000, secure: bool, domain in "[a-z]{1,8}\\.test") {
        let spec = CookieSpec { name: b"partnero_referral", value: k.as_bytes(), domain: Some(domain.as_bytes()), max_age: max_age(Lifetime::Days(days)), secure };
        let text = spec.to_cookie_string();
        prop_assert!(text.contains("; Path=/; "));
        prop_assert!(text.contains("; SameSite=Lax"));
        prop_assert_eq!(text.ends_with("; Secure"), secure);
        prop_assert!(spec.max_age <= MAX_DAYS * 86_400);
        let header = format!("a=1; {}; b=2", text.split(';').next().unwrap());
        prop_assert_eq!(read_cookie(header.as_bytes(), b"partnero_referral"), Some(k.as_bytes()));
    }

    #[test]
    fn attribution_rules(old in key(), new in key()) {
        let (old, new) = (old.as_bytes(), new.as_bytes());
        prop_assert!(should_write(Attribution::LastClick, Some(old), new));
        prop_assert_eq!(should_write(Attribution::FirstClick, Some(old), new), old == new);
        prop_assert!(should_write(Attribution::FirstClick, None, new));
    }
}
