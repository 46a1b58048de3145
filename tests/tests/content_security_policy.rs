//! The tracker under the strict Content Security Policy `js/README.md` documents (the demo's
//! `/strict-csp` page: a nonce for the inline snippet, the collector's scripts, `'wasm-unsafe-eval'`,
//! requests to the collector only). The referral is captured and reported, the refer-a-friend form
//! works, and the browser reports no violation, while it does refuse a script without the nonce.

use anyhow::{Context, ensure};
use e2e::browser::{WAIT, poll};
use e2e::flows;
use e2e::{DemoProgramOptions, REFERRAL_COOKIE, run};

#[test]
fn tracker_works_under_the_documented_strict_csp() {
    run(
        "tracker_works_under_the_documented_strict_csp",
        |ctx| async move {
            let shop = ctx.shop(DemoProgramOptions::default()).await?;
            let referrer = ctx.browser("referrer").await?;
            let alice = flows::sign_up(&referrer, &shop, "Alice", "alice@example.com").await?;

            let friend = ctx.browser("friend").await?;
            let landing = format!("/strict-csp?ref={}", alice.customer_key);
            friend.goto(&shop.url(&landing)).await?;
            let cookie = friend.wait_for_cookie(REFERRAL_COOKIE).await?;
            ensure!(
                cookie.value() == alice.customer_key,
                "cookie {:?}, expected {}",
                cookie.value(),
                alice.customer_key
            );
            flows::wait_for_clicks(&shop, &alice.customer_key, 1).await?;

            // The no-code form (the lazy chunk, its constructed stylesheet, its request).
            friend
                .fill("[data-partnero-form] input[type=email]", "dave@example.com")
                .await?;
            if friend
                .exists("[data-partnero-form] input[name=name]")
                .await?
            {
                friend
                    .fill("[data-partnero-form] input[name=name]", "Dave")
                    .await?;
            }
            friend
                .click("[data-partnero-form] button, [data-partnero-form] [type=submit]")
                .await?;
            poll(WAIT, "the form to show a referral link", || async {
                let text = friend
                    .eval(
                        "const r = document.querySelector('[data-partnero-form]');
                         return Array.from(r.querySelectorAll('a[href], input'))
                             .map(e => e.href || e.value || '').join(' ') + ' ' + r.textContent;",
                    )
                    .await?;
                Ok(text
                    .as_str()
                    .is_some_and(|t| t.contains("ref="))
                    .then_some(()))
            })
            .await?;

            let violations = friend.eval("return window.__cspViolations;").await?;
            ensure!(
                violations.as_array().is_some_and(Vec::is_empty),
                "the tracker caused Content Security Policy violations: {violations}"
            );

            // The policy is really enforced: a script without the nonce is refused and reported.
            let ran = friend
                .eval(
                    "const s = document.createElement('script');
                     s.textContent = 'window.__ran = true';
                     document.head.appendChild(s);
                     return window.__ran === true;",
                )
                .await?;
            ensure!(ran == false, "an inline script without the nonce ran");
            let reported = poll(WAIT, "the refused script to be reported", || async {
                let v = friend.eval("return window.__cspViolations;").await?;
                Ok(v.as_array().filter(|a| !a.is_empty()).cloned())
            })
            .await?;
            let first = reported
                .first()
                .and_then(|v| v.as_str())
                .context("a report")?;
            ensure!(first.starts_with("script-src"), "reported: {reported:?}");
            Ok(())
        },
    );
}
