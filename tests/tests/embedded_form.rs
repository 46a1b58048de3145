//! The tracker's no-code refer-a-friend form (`<div data-partnero-form>`) gives a new visitor a working
//! referral link.

use anyhow::{Context, ensure};
use e2e::browser::{WAIT, poll};
use e2e::flows;
use e2e::{DemoProgramOptions, REFERRAL_COOKIE, run};

#[test]
fn embedded_form_gives_a_working_referral_link() {
    run(
        "embedded_form_gives_a_working_referral_link",
        |ctx| async move {
            let shop = ctx.shop(DemoProgramOptions::default()).await?;
            let visitor = ctx.browser("visitor").await?;
            visitor.goto(&shop.url("/refer")).await?;
            visitor
                .fill(
                    "[data-partnero-form] input[type=email]",
                    "carol@example.com",
                )
                .await?;
            if visitor
                .exists("[data-partnero-form] input[name=name]")
                .await?
            {
                visitor
                    .fill("[data-partnero-form] input[name=name]", "Carol")
                    .await?;
            }
            visitor
                .click("[data-partnero-form] button, [data-partnero-form] [type=submit]")
                .await?;
            let link = poll(WAIT, "the form to show a referral link", || async {
                let found = visitor
                    .eval(
                        "const root = document.querySelector('[data-partnero-form]');
                     const texts = Array.from(root.querySelectorAll('a[href], input'))
                         .map(e => e.href || e.value || '');
                     texts.push(root.textContent);
                     return texts.find(t => t.includes('ref=')) || null;",
                    )
                    .await?;
                Ok(found.as_str().map(str::to_string))
            })
            .await?;
            let link = link
                .split_whitespace()
                .find(|word| word.contains("ref="))
                .unwrap_or(&link)
                .to_string();
            let url =
                url::Url::parse(&link).with_context(|| format!("the form's link {link:?}"))?;
            ensure!(url.host_str() == Some("shop.test"), "link host: {link}");
            let key = url
                .query_pairs()
                .find(|(name, _)| name == "ref")
                .map(|(_, value)| value.into_owned())
                .context("no ref parameter")?;

            // The link belongs to a customer with that e-mail address.
            let customer = shop.api.customer(&key).await?;
            ensure!(
                customer["email"] == "carol@example.com",
                "customer behind the link: {customer}"
            );

            // Another session opening it gets the referral cookie, and the visit is counted.
            let friend = ctx.browser("friend").await?;
            friend.goto(&link).await?;
            let cookie = friend.wait_for_cookie(REFERRAL_COOKIE).await?;
            ensure!(
                cookie.value() == key,
                "cookie {:?}, expected {key}",
                cookie.value()
            );
            flows::wait_for_clicks(&shop, &key, 1).await?;

            // Asking again with the same e-mail gives the same link.
            let again = ctx.browser("visitor-again").await?;
            again.goto(&shop.url("/refer")).await?;
            again
                .fill(
                    "[data-partnero-form] input[type=email]",
                    "carol@example.com",
                )
                .await?;
            if again
                .exists("[data-partnero-form] input[name=name]")
                .await?
            {
                again
                    .fill("[data-partnero-form] input[name=name]", "Carol")
                    .await?;
            }
            again
                .click("[data-partnero-form] button, [data-partnero-form] [type=submit]")
                .await?;
            poll(WAIT, "the same link again", || async {
            let text = again.eval("const r = document.querySelector('[data-partnero-form]'); return Array.from(r.querySelectorAll('a[href], input')).map(e => e.href || e.value || '').join(' ') + ' ' + r.textContent;").await?;
            Ok(text.as_str().is_some_and(|t| t.contains(&link)).then_some(()))
        })
        .await?;
            Ok(())
        },
    );
}
