//! The whole refer-a-friend flow in the browser, once per referral link format: a referrer signs up and
//! gets a link; a friend in a new session opens it; the cookie sits on the registrable domain and is
//! visible on another subdomain; the friend signs up and buys; the referrer's "My referrals" page shows
//! the friend and the reward; a refund reverses the reward.

use anyhow::{Result, ensure};
use e2e::flows::{self, credited, same_amount};
use e2e::{Ctx, DemoProgramOptions, REFERRAL_COOKIE, UrlFormat, run};

#[derive(Debug, Clone, Copy)]
enum LinkFormat {
    Query,
    Path,
    Subdomain,
}

#[test]
fn query_link_refer_a_friend_flow() {
    run("query_link_refer_a_friend_flow", |ctx| {
        whole_flow(ctx, LinkFormat::Query)
    });
}

#[test]
fn path_link_refer_a_friend_flow() {
    run("path_link_refer_a_friend_flow", |ctx| {
        whole_flow(ctx, LinkFormat::Path)
    });
}

#[test]
fn subdomain_link_refer_a_friend_flow() {
    run("subdomain_link_refer_a_friend_flow", |ctx| {
        whole_flow(ctx, LinkFormat::Subdomain)
    });
}

async fn whole_flow(ctx: Ctx, format: LinkFormat) -> Result<()> {
    let options = match format {
        LinkFormat::Query => DemoProgramOptions::default(),
        LinkFormat::Path => DemoProgramOptions {
            url_format: UrlFormat::Link,
            ..Default::default()
        },
        LinkFormat::Subdomain => DemoProgramOptions {
            url_format: UrlFormat::Subdomain,
            ..Default::default()
        },
    };
    let shop = ctx.shop(options).await?;

    // The referrer signs up and gets a link in the program's format.
    let referrer = ctx.browser("referrer").await?;
    let alice = flows::sign_up(&referrer, &shop, "Alice", "alice@example.com").await?;
    let key = alice.customer_key.clone();
    let link = match format {
        LinkFormat::Query => {
            ensure!(
                alice.referral_link == shop.url(&format!("/?ref={key}")),
                "query link: {}",
                alice.referral_link
            );
            alice.referral_link.clone()
        }
        LinkFormat::Path => {
            ensure!(
                alice.referral_link == shop.url(&format!("/aff/{key}")),
                "path link: {}",
                alice.referral_link
            );
            alice.referral_link.clone()
        }
        LinkFormat::Subdomain => {
            ensure!(
                alice.referral_link == shop.subdomain_url(&key.to_ascii_lowercase(), "/"),
                "subdomain link: {}",
                alice.referral_link
            );
            alice.referral_link.clone()
        }
    };

    // The friend opens it in a new session: the cookie is written on the registrable domain.
    let friend = ctx.browser("friend").await?;
    friend.goto(&link).await?;
    let cookie = friend.wait_for_cookie(REFERRAL_COOKIE).await?;
    ensure!(
        cookie.value() == key,
        "cookie value {:?}, expected {key}",
        cookie.value()
    );
    ensure!(
        cookie.domain() == Some("shop.test"),
        "cookie domain {:?}",
        cookie.domain()
    );
    flows::wait_for_clicks(&shop, &key, 1).await?;

    // …and is visible on another subdomain of the shop.
    friend.goto(&shop.subdomain_url("www", "/pricing")).await?;
    let elsewhere = friend.cookie(REFERRAL_COOKIE).await?;
    ensure!(
        elsewhere.as_ref().map(|c| c.value()) == Some(key.as_str()),
        "cookie on www.shop.test: {elsewhere:?}"
    );
    ensure!(
        friend
            .document_cookie()
            .await?
            .contains(&format!("{REFERRAL_COOKIE}={key}"))
    );

    // The friend signs up (the backend reads the cookie) and buys the Pro plan ($49).
    friend.goto(&shop.url("/signup")).await?;
    ensure!(
        friend.text("#referrer-key").await? == key,
        "the sign-up page does not show the referrer"
    );
    let bob = flows::sign_up(&friend, &shop, "Bob", "bob@example.com").await?;
    ensure!(friend.text("#referred-by code").await? == key);
    let bob_in_api = shop.api.customer(&bob.customer_key).await?;
    ensure!(
        bob_in_api["referring_customer"]["key"] == key.as_str(),
        "API customer: {bob_in_api}"
    );
    let order = flows::buy(&friend, &shop, "pro").await?;

    // The referrer sees the friend and a 10% reward, in the UI and in the API.
    let view = flows::referrals_view(&referrer, &shop).await?;
    ensure!(
        view.referral_keys == vec![bob.customer_key.clone()],
        "referrals shown: {:?}",
        view.referral_keys
    );
    ensure!(
        view.balance
            .iter()
            .any(|(_, shown)| shown == "4.9" || shown == "4.90"),
        "balance shown: {:?}",
        view.balance
    );
    let balance = shop.api.balance(&key).await?;
    ensure!(
        same_amount(credited(&balance, "usd"), 4.9),
        "API balance after the sale: {balance}"
    );
    ensure!(shop.api.referral_keys(&key).await? == vec![bob.customer_key.clone()]);

    // A refund reverses the reward.
    flows::refund(&friend, &shop, &order).await?;
    let balance = shop.api.balance(&key).await?;
    ensure!(
        same_amount(credited(&balance, "usd"), 0.0),
        "API balance after the refund: {balance}"
    );
    let view = flows::referrals_view(&referrer, &shop).await?;
    ensure!(
        !view
            .balance
            .iter()
            .any(|(_, shown)| shown.starts_with("4.9")),
        "balance shown after refund: {:?}",
        view.balance
    );
    Ok(())
}
