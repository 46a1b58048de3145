//! First- and last-click programs with two referrers: which referrer the friend's sign-up and sale
//! are credited to.

use anyhow::{Result, ensure};
use e2e::flows::{self, credited, same_amount};
use e2e::{Attribution, Browser, Ctx, DemoProgramOptions, REFERRAL_COOKIE, run};

#[test]
fn first_click_keeps_the_first_referrer() {
    run("first_click_keeps_the_first_referrer", |ctx| {
        two_referrers(ctx, Attribution::First)
    });
}

#[test]
fn last_click_credits_the_latest_referrer() {
    run("last_click_credits_the_latest_referrer", |ctx| {
        two_referrers(ctx, Attribution::Last)
    });
}

async fn two_referrers(ctx: Ctx, attribution: Attribution) -> Result<()> {
    let shop = ctx
        .shop(DemoProgramOptions {
            attribution,
            ..Default::default()
        })
        .await?;
    let referrers = ctx.browser("referrers").await?;
    let alice = flows::sign_up(&referrers, &shop, "Alice", "alice@example.com").await?;
    flows::log_out(&referrers).await?;
    let carol = flows::sign_up(&referrers, &shop, "Carol", "carol@example.com").await?;
    flows::log_out(&referrers).await?;

    let friend = ctx.browser("friend").await?;
    friend.goto(&alice.referral_link).await?;
    let cookie = friend.wait_for_cookie(REFERRAL_COOKIE).await?;
    ensure!(
        cookie.value() == alice.customer_key,
        "after the first link: {:?}",
        cookie.value()
    );
    flows::wait_for_clicks(&shop, &alice.customer_key, 1).await?;

    friend.goto(&carol.referral_link).await?;
    let expected = match attribution {
        Attribution::First => &alice,
        Attribution::Last => &carol,
    };
    let other = if expected.customer_key == alice.customer_key {
        &carol
    } else {
        &alice
    };
    // The second landing is processed once the tracker reported it (a click for Carol either way).
    flows::wait_for_clicks(&shop, &carol.customer_key, 1).await?;
    settle(&friend).await?;
    let cookie = friend.cookie(REFERRAL_COOKIE).await?;
    ensure!(
        cookie.as_ref().map(|c| c.value()) == Some(expected.customer_key.as_str()),
        "after the second link ({attribution:?}): {cookie:?}"
    );

    let bob = flows::sign_up(&friend, &shop, "Bob", "bob@example.com").await?;
    let bob_in_api = shop.api.customer(&bob.customer_key).await?;
    ensure!(
        bob_in_api["referring_customer"]["key"] == expected.customer_key.as_str(),
        "{bob_in_api}"
    );
    flows::buy(&friend, &shop, "team").await?;

    let winner = credited(&shop.api.balance(&expected.customer_key).await?, "usd");
    let loser = credited(&shop.api.balance(&other.customer_key).await?, "usd");
    ensure!(
        same_amount(winner, 9.9) && same_amount(loser, 0.0),
        "balances: winner {winner}, other {loser}"
    );
    ensure!(
        shop.api.referral_keys(&expected.customer_key).await? == vec![bob.customer_key.clone()]
    );
    ensure!(
        shop.api
            .referral_keys(&other.customer_key)
            .await?
            .is_empty()
    );

    // The winner's page shows it too.
    let email = if expected.customer_key == alice.customer_key {
        "alice@example.com"
    } else {
        "carol@example.com"
    };
    flows::log_in(&referrers, &shop, email).await?;
    let view = flows::referrals_view(&referrers, &shop).await?;
    ensure!(
        view.referral_keys == vec![bob.customer_key.clone()],
        "{:?}",
        view.referral_keys
    );
    Ok(())
}

/// Gives the tracker a moment after its last report (it writes the cookie before reporting).
async fn settle(browser: &Browser) -> Result<()> {
    browser.wait_for_request("/pub/visits").await?;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    Ok(())
}
