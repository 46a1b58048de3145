//! Tracker behaviours checked in the browser against the real collector: cookie lifetime, invalid keys,
//! one visit per landing, browser-reported sign-ups (stored, never rewarded), browser-reported sales as
//! sites write them (computed amounts, numeric keys) and the consent hold.

use anyhow::{Context, Result, ensure};
use e2e::browser::{WAIT, poll};
use e2e::flows::{self, credited, same_amount};
use e2e::{Browser, DemoProgramOptions, REFERRAL_COOKIE, Shop, pages, run};
use serde_json::Value;
use std::time::Duration;
use time::OffsetDateTime;

/// Waits until the tracker has fetched the program settings, then a little longer, so that whatever it
/// would do on this landing has been done.
async fn settle(browser: &Browser) -> Result<()> {
    browser.wait_for_request("/pub/programs/").await?;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    Ok(())
}

/// Days from now until the cookie expires.
fn days_left(cookie: &fantoccini::cookies::Cookie<'_>) -> Result<f64> {
    let expires = cookie
        .expires_datetime()
        .context("the referral cookie is a session cookie")?;
    Ok((expires - OffsetDateTime::now_utc()).as_seconds_f64() / 86_400.0)
}

/// Lands a friend on a referrer's link in a program created with `options`; returns the cookie's
/// remaining lifetime in days.
async fn landing_cookie_days(ctx: e2e::Ctx, options: DemoProgramOptions) -> Result<f64> {
    let shop = ctx.shop(options).await?;
    let referrer = ctx.browser("referrer").await?;
    let alice = flows::sign_up(&referrer, &shop, "Alice", "alice@example.com").await?;
    let friend = ctx.browser("friend").await?;
    friend.goto(&alice.referral_link).await?;
    let cookie = friend.wait_for_cookie(REFERRAL_COOKIE).await?;
    days_left(&cookie)
}

#[test]
fn cookie_lifetime_follows_the_program_cookie_time() {
    run(
        "cookie_lifetime_follows_the_program_cookie_time",
        |ctx| async move {
            let days = landing_cookie_days(
                ctx,
                DemoProgramOptions {
                    cookie_days: 45,
                    ..Default::default()
                },
            )
            .await?;
            ensure!(
                (44.9..=45.1).contains(&days),
                "the cookie expires in {days:.3} days, expected 45"
            );
            Ok(())
        },
    );
}

#[test]
fn lifetime_cookie_lasts_400_days() {
    run("lifetime_cookie_lasts_400_days", |ctx| async move {
        let days = landing_cookie_days(
            ctx,
            DemoProgramOptions {
                cookie_days: 0,
                ..Default::default()
            },
        )
        .await?;
        ensure!(
            (399.0..=400.1).contains(&days),
            "the cookie expires in {days:.3} days, expected about 400"
        );
        Ok(())
    });
}

#[test]
fn the_programs_parameter_aliases_carry_keys() {
    run(
        "the_programs_parameter_aliases_carry_keys",
        |ctx| async move {
            let shop = ctx.shop(DemoProgramOptions::default()).await?;
            let referrer = ctx.browser("referrer").await?;
            let alice = flows::sign_up(&referrer, &shop, "Alice", "alice@example.com").await?;
            shop.api
                .send(
                    reqwest::Method::PUT,
                    "/v1/settings",
                    &serde_json::json!({"param_aliases": ["partner"]}),
                )
                .await?;
            // `via` is no longer an alias: nothing is taken from it.
            let friend = ctx.browser("friend").await?;
            friend
                .goto(&shop.url(&format!("/?via={}", alice.customer_key)))
                .await?;
            settle(&friend).await?;
            ensure!(
                friend.cookie(REFERRAL_COOKIE).await?.is_none(),
                "a key was taken from ?via= after the aliases were replaced"
            );
            friend
                .goto(&shop.url(&format!("/pricing?partner={}", alice.customer_key)))
                .await?;
            let cookie = friend.wait_for_cookie(REFERRAL_COOKIE).await?;
            ensure!(
                cookie.value() == alice.customer_key,
                "cookie {:?} from ?partner=",
                cookie.value()
            );
            flows::wait_for_clicks(&shop, &alice.customer_key, 1).await?;
            Ok(())
        },
    );
}

#[test]
fn invalid_keys_are_ignored() {
    run("invalid_keys_are_ignored", |ctx| async move {
        let shop = ctx.shop(DemoProgramOptions::default()).await?;
        let referrer = ctx.browser("referrer").await?;
        let alice = flows::sign_up(&referrer, &shop, "Alice", "alice@example.com").await?;
        let friend = ctx.browser("friend").await?;
        let long_key = "k".repeat(65);
        let malformed = [
            format!("{}%3Cscript%3E", alice.customer_key),
            "%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E".to_string(),
            long_key,
            format!("{}%20x", alice.customer_key),
            String::new(),
        ];
        for key in &malformed {
            friend.goto(&shop.url(&format!("/?ref={key}"))).await?;
            settle(&friend).await?;
            ensure!(
                friend.cookie(REFERRAL_COOKIE).await?.is_none(),
                "a cookie was written for ?ref={key}"
            );
            let beacons: Vec<String> = friend
                .requested_urls()
                .await?
                .into_iter()
                .filter(|u| u.contains("/pub/visits"))
                .collect();
            ensure!(
                beacons.is_empty(),
                "a visit was reported for ?ref={key}: {beacons:?}"
            );
        }
        let path_key = shop.url("/aff/%3Cb%3Ebad%3C%2Fb%3E");
        friend.goto(&path_key).await?;
        settle(&friend).await?;
        ensure!(
            friend.cookie(REFERRAL_COOKIE).await?.is_none(),
            "a cookie was written for {path_key}"
        );
        let stats = shop.api.stats(&alice.customer_key).await?;
        ensure!(stats["clicks"] == 0, "visits were recorded: {stats}");

        // The same browser with a valid link: the cookie and exactly one visit, whose report the
        // checks above would have seen.
        friend.goto(&alice.referral_link).await?;
        friend.wait_for_cookie(REFERRAL_COOKIE).await?;
        flows::wait_for_clicks(&shop, &alice.customer_key, 1).await?;
        friend.wait_for_request("/pub/visits").await?;
        Ok(())
    });
}

#[test]
fn each_landing_records_exactly_one_visit() {
    run("each_landing_records_exactly_one_visit", |ctx| async move {
        let shop = ctx.shop(DemoProgramOptions::default()).await?;
        let referrer = ctx.browser("referrer").await?;
        let alice = flows::sign_up(&referrer, &shop, "Alice", "alice@example.com").await?;
        let friend = ctx.browser("friend").await?;

        friend.goto(&alice.referral_link).await?;
        friend.wait_for_cookie(REFERRAL_COOKIE).await?;
        flows::wait_for_clicks(&shop, &alice.customer_key, 1).await?;
        // Browsing on without a referral key records nothing more.
        for path in ["/pricing", "/signup", "/"] {
            friend.goto(&shop.url(path)).await?;
            settle(&friend).await?;
        }
        let stats = shop.api.stats(&alice.customer_key).await?;
        ensure!(
            stats["clicks"] == 1 && stats["unique_clicks"] == 1,
            "after browsing: {stats}"
        );

        // A second landing through the link is a second click by the same (unique) visitor.
        friend.goto(&alice.referral_link).await?;
        let stats = flows::wait_for_clicks(&shop, &alice.customer_key, 2).await?;
        ensure!(
            stats["unique_clicks"] == 1,
            "after the second landing: {stats}"
        );
        settle(&friend).await?;
        let stats = shop.api.stats(&alice.customer_key).await?;
        ensure!(stats["clicks"] == 2, "a landing was counted twice: {stats}");
        Ok(())
    });
}

/// The customers of the program with this e-mail address (from `GET /v1/customers`).
async fn customers_with_email(shop: &Shop, email: &str) -> Result<Vec<Value>> {
    let list = shop.api.get("/v1/customers?limit=250").await?;
    Ok(list
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["email"] == email)
        .cloned()
        .collect())
}

#[test]
fn po_customers_signup_is_stored_but_not_rewarded() {
    run(
        "po_customers_signup_is_stored_but_not_rewarded",
        |ctx| async move {
            let shop = ctx
                .shop(DemoProgramOptions {
                    signup_reward: 5,
                    ..Default::default()
                })
                .await?;
            let referrer = ctx.browser("referrer").await?;
            let alice = flows::sign_up(&referrer, &shop, "Alice", "alice@example.com").await?;

            let friend = ctx.browser("friend").await?;
            friend.goto(&alice.referral_link).await?;
            friend.wait_for_cookie(REFERRAL_COOKIE).await?;
            friend.goto(&shop.url("/trial")).await?;
            // The page leaves right after `po('customers','signup')`: the lazy chunk that builds
            // the report is fetched as soon as a page with a form is ready, before any submit.
            friend.wait_for_request("/js/form.").await?;
            friend.fill("#trial-name", "Dave").await?;
            friend.fill("#trial-email", "dave@example.com").await?;
            friend.click("#trial-submit").await?;
            let trial_key = friend.text("#trial-key").await?;
            let dave = poll(WAIT, "the browser-reported customer", || async {
                let (status, body) = shop
                    .api
                    .get_with_status(&format!("/v1/customers/{trial_key}"))
                    .await?;
                Ok(status.is_success().then(|| body["data"].clone()))
            })
            .await?;
            ensure!(dave["email"] == "dave@example.com", "{dave}");
            ensure!(
                dave["source"] == "browser",
                "not stored as browser-reported: {dave}"
            );
            ensure!(
                dave["referring_customer"]["key"] == alice.customer_key.as_str(),
                "not attributed: {dave}"
            );
            let balance = shop.api.balance(&alice.customer_key).await?;
            ensure!(
                same_amount(credited(&balance, "usd"), 0.0),
                "a browser sign-up credited a reward: {balance}"
            );

            // Control: the same program rewards a sign-up reported by the shop's backend.
            let other = ctx.browser("friend2").await?;
            other.goto(&alice.referral_link).await?;
            other.wait_for_cookie(REFERRAL_COOKIE).await?;
            flows::sign_up(&other, &shop, "Erin", "erin@example.com").await?;
            let balance = shop.api.balance(&alice.customer_key).await?;
            ensure!(
                same_amount(credited(&balance, "usd"), 5.0),
                "the backend sign-up was not rewarded: {balance}"
            );
            Ok(())
        },
    );
}

#[test]
fn universal_form_capture_is_stored_but_not_rewarded() {
    run(
        "universal_form_capture_is_stored_but_not_rewarded",
        |ctx| async move {
            let shop = ctx
                .shop(DemoProgramOptions {
                    signup_reward: 5,
                    ..Default::default()
                })
                .await?;
            let referrer = ctx.browser("referrer").await?;
            let alice = flows::sign_up(&referrer, &shop, "Alice", "alice@example.com").await?;

            let friend = ctx.browser("friend").await?;
            friend.goto(&alice.referral_link).await?;
            friend.wait_for_cookie(REFERRAL_COOKIE).await?;
            friend.goto(&shop.url("/waitlist")).await?;
            settle(&friend).await?;
            friend.fill("#waitlist-name", "Frank").await?;
            friend.fill("#waitlist-email", "frank@example.com").await?;
            friend.click("#waitlist-submit").await?;
            friend.wait_for("#waitlist-thanks").await?;
            let frank = poll(WAIT, "the captured customer", || async {
                Ok(customers_with_email(&shop, "frank@example.com")
                    .await?
                    .into_iter()
                    .next())
            })
            .await?;
            ensure!(frank["name"] == "Frank", "{frank}");
            ensure!(
                frank["source"] == "browser",
                "not stored as browser-reported: {frank}"
            );
            ensure!(
                frank["referring_customer"]["key"] == alice.customer_key.as_str(),
                "not attributed: {frank}"
            );
            let balance = shop.api.balance(&alice.customer_key).await?;
            ensure!(
                same_amount(credited(&balance, "usd"), 0.0),
                "a captured sign-up credited a reward: {balance}"
            );
            Ok(())
        },
    );
}

#[test]
fn consent_hold_waits_for_grant() {
    run("consent_hold_waits_for_grant", |ctx| async move {
        let shop = ctx
            .shop(DemoProgramOptions {
                consent_required: true,
                ..Default::default()
            })
            .await?;
        let referrer = ctx.browser("referrer").await?;
        let alice = flows::sign_up(&referrer, &shop, "Alice", "alice@example.com").await?;

        let friend = ctx.browser("friend").await?;
        friend.goto(&alice.referral_link).await?;
        settle(&friend).await?;
        ensure!(
            friend.cookie(REFERRAL_COOKIE).await?.is_none(),
            "a cookie was written before consent"
        );
        let stats = shop.api.stats(&alice.customer_key).await?;
        ensure!(
            stats["clicks"] == 0,
            "a visit was recorded before consent: {stats}"
        );

        friend.eval("po('consent', 'grant'); return true;").await?;
        let cookie = friend.wait_for_cookie(REFERRAL_COOKIE).await?;
        ensure!(cookie.value() == alice.customer_key);
        flows::wait_for_clicks(&shop, &alice.customer_key, 1).await?;
        Ok(())
    });
}

/// A sale reported from the page the way sites write it (a computed `amount: 9.95 * 3`, numeric
/// keys, the customer's tags) is stored, not refused with a 422: the amount is sent in cents and
/// the transaction's customer without tags.
#[test]
fn a_computed_amount_and_a_tagged_buyer_do_not_lose_the_sale() {
    run(
        "a_computed_amount_and_a_tagged_buyer_do_not_lose_the_sale",
        |ctx| async move {
            let shop = ctx.shop(DemoProgramOptions::default()).await?;
            let collector = shop.running().collector_url.clone();
            let snippet = pages::fill(pages::SNIPPET, &collector, shop.program_id());
            let sale = "<script>po('transactions', 'create', {data: {key: 1001, amount: 9.95 * 3, \
                        customer: {key: 4242, email: 'num@example.com', tags: ['vip']}}, \
                        options: {create_customer: true}});</script>";
            let site = pages::serve(vec![(
                "/thanks",
                pages::page(&format!("{snippet}{sale}"), "<p>Thank you</p>"),
            )])
            .await?;
            let buyer = ctx.browser("buyer").await?;
            buyer.goto(&format!("{site}/thanks")).await?;
            let stored = poll(WAIT, "the browser-reported transaction", || async {
                let (status, body) = shop.api.get_with_status("/v1/transactions/1001").await?;
                Ok(status.is_success().then(|| body["data"].clone()))
            })
            .await?;
            ensure!(stored["source"] == "browser", "{stored}");
            let amount = stored["amount"]
                .as_f64()
                .or_else(|| stored["amount"].as_str().and_then(|a| a.parse().ok()));
            ensure!(
                amount.is_some_and(|a| same_amount(a, 29.85)),
                "amount: {stored}"
            );
            let customer = shop.api.customer("4242").await?;
            ensure!(customer["email"] == "num@example.com", "{customer}");
            let warns = buyer.eval("return window.__warns;").await?;
            ensure!(warns == serde_json::json!([]), "warnings: {warns}");
            Ok(())
        },
    );
}

/// The cookie writes the page recorded (`e2e::pages::RECORDER`) since the last call, cleared.
async fn take_cookie_writes(browser: &Browser) -> Result<Vec<String>> {
    let writes = browser
        .eval("return window.__cookieWrites.splice(0);")
        .await?;
    Ok(writes
        .as_array()
        .context("a list of cookie strings")?
        .iter()
        .filter_map(|w| w.as_str().map(str::to_owned))
        .collect())
}

/// `po('consent','revoke')` before any grant deletes the tracker's cookies (on the registrable
/// domain too) without writing any: no `partnero_probe` test cookie to find that domain.
#[test]
fn a_revoke_before_any_grant_writes_no_cookie() {
    run(
        "a_revoke_before_any_grant_writes_no_cookie",
        |ctx| async move {
            let shop = ctx
                .shop(DemoProgramOptions {
                    consent_required: true,
                    ..Default::default()
                })
                .await?;
            let collector = shop.running().collector_url.clone();
            let snippet = pages::fill(pages::SNIPPET, &collector, shop.program_id());
            let site = pages::serve(vec![("/page", pages::page(&snippet, "<p>Page</p>"))]).await?;
            let visitor = ctx.browser("visitor").await?;
            visitor.goto(&format!("{site}/page?ref=someone")).await?;
            settle(&visitor).await?;
            // A cookie from an earlier visit, on the registrable domain.
            visitor
                .eval("document.cookie = 'partnero_referral=old_key; Domain=shop.test; Path=/';")
                .await?;
            ensure!(
                visitor.cookie(REFERRAL_COOKIE).await?.is_some(),
                "the earlier cookie was not set"
            );
            take_cookie_writes(&visitor).await?;

            visitor
                .eval("po('consent', 'revoke'); return true;")
                .await?;
            let writes = take_cookie_writes(&visitor).await?;
            ensure!(
                !writes.is_empty()
                    && writes
                        .iter()
                        .all(|w| w.contains("=; ") && w.contains("Max-Age=0")),
                "a revoke wrote a cookie: {writes:?}"
            );
            ensure!(
                !writes.iter().any(|w| w.contains("partnero_probe")),
                "{writes:?}"
            );
            ensure!(
                visitor.cookie(REFERRAL_COOKIE).await?.is_none(),
                "the referral cookie was not deleted: {writes:?}"
            );
            Ok(())
        },
    );
}

/// After `po('consent','revoke')` nothing is written or sent until `po('consent','grant')`, also in
/// a program that does not require consent: a later address change that carries a key (a
/// single-page app's route, a fragment) writes no cookie and reports no visit.
#[test]
fn after_a_revoke_address_changes_track_nothing_until_a_grant() {
    run(
        "after_a_revoke_address_changes_track_nothing_until_a_grant",
        |ctx| async move {
            let shop = ctx.shop(DemoProgramOptions::default()).await?;
            for key in ["first_key", "second_key", "third_key"] {
                shop.api
                    .post(
                        "/v1/customers",
                        &serde_json::json!({"key": key, "email": format!("{key}@example.com")}),
                    )
                    .await?;
            }
            let collector = shop.running().collector_url.clone();
            let snippet = pages::fill(pages::SNIPPET, &collector, shop.program_id());
            let site = pages::serve(vec![("/page", pages::page(&snippet, "<p>Page</p>"))]).await?;
            let visitor = ctx.browser("visitor").await?;
            visitor.goto(&format!("{site}/page?ref=first_key")).await?;
            visitor.wait_for_cookie(REFERRAL_COOKIE).await?;
            flows::wait_for_clicks(&shop, "first_key", 1).await?;

            visitor
                .eval("po('consent', 'revoke'); return true;")
                .await?;
            ensure!(
                !visitor.document_cookie().await?.contains("partnero_"),
                "cookies left after the revoke: {}",
                visitor.document_cookie().await?
            );
            take_cookie_writes(&visitor).await?;
            visitor
                .eval(
                    "history.pushState(null, '', '/page/next?ref=second_key');
                     location.hash = 'ref=third_key';
                     return true;",
                )
                .await?;
            settle(&visitor).await?;
            let writes = take_cookie_writes(&visitor).await?;
            ensure!(
                writes.is_empty(),
                "cookies written after the revoke: {writes:?}"
            );
            for key in ["second_key", "third_key"] {
                let stats = shop.api.stats(key).await?;
                ensure!(
                    stats["clicks"] == 0,
                    "a visit was recorded for {key}: {stats}"
                );
            }

            // A grant lets the next landing through.
            visitor
                .eval(
                    "po('consent', 'grant');
                     history.pushState(null, '', '/page/granted?ref=second_key');
                     return true;",
                )
                .await?;
            let cookie = visitor.wait_for_cookie(REFERRAL_COOKIE).await?;
            ensure!(cookie.value() == "second_key", "cookie {cookie:?}");
            flows::wait_for_clicks(&shop, "second_key", 1).await?;
            Ok(())
        },
    );
}

/// A consent tool that replays a stored "deny" as `po('consent','revoke')` (queued before the
/// tracker loaded), before the visitor ever granted, in a program that requires consent: the
/// landing's key is held in memory (no cookie, no visit), and a later grant writes it and reports
/// the visit once.
#[test]
fn a_revoke_replayed_before_a_grant_keeps_the_landing_for_it() {
    run(
        "a_revoke_replayed_before_a_grant_keeps_the_landing_for_it",
        |ctx| async move {
            let shop = ctx
                .shop(DemoProgramOptions {
                    consent_required: true,
                    ..Default::default()
                })
                .await?;
            shop.api
                .post(
                    "/v1/customers",
                    &serde_json::json!({"key": "alice", "email": "alice@example.com"}),
                )
                .await?;
            let collector = shop.running().collector_url.clone();
            let snippet = pages::fill(pages::SNIPPET, &collector, shop.program_id());
            let deny = "<script>po('consent', 'revoke');</script>";
            let site = pages::serve(vec![(
                "/",
                pages::page(&format!("{snippet}{deny}"), "<p>Home</p>"),
            )])
            .await?;
            let visitor = ctx.browser("visitor").await?;
            visitor.goto(&format!("{site}/?ref=alice")).await?;
            settle(&visitor).await?;
            ensure!(
                !visitor.document_cookie().await?.contains("partnero_"),
                "a cookie was written before the grant: {}",
                visitor.document_cookie().await?
            );
            let stats = shop.api.stats("alice").await?;
            ensure!(
                stats["clicks"] == 0,
                "a visit was recorded before the grant: {stats}"
            );

            visitor
                .eval("po('consent', 'grant'); po('consent', 'grant'); return true;")
                .await?;
            let cookie = visitor.wait_for_cookie(REFERRAL_COOKIE).await?;
            ensure!(cookie.value() == "alice", "cookie {cookie:?}");
            flows::wait_for_clicks(&shop, "alice", 1).await?;
            settle(&visitor).await?;
            let beacons = visitor
                .eval("return window.__requests.filter(r => r[0].endsWith('/pub/visits')).length;")
                .await?;
            ensure!(beacons == 1, "visits reported: {beacons}");
            let stats = shop.api.stats("alice").await?;
            ensure!(stats["clicks"] == 1, "after the grant: {stats}");
            Ok(())
        },
    );
}
