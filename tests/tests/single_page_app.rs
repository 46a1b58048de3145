//! A single-page app whose router rewrites the address (dropping `?ref=`) right after landing still
//! attributes the visit and the sign-up.

use anyhow::ensure;
use e2e::browser::{WAIT, poll};
use e2e::flows;
use e2e::{DemoProgramOptions, REFERRAL_COOKIE, run};

#[test]
fn single_page_app_route_change_still_attributes() {
    run(
        "single_page_app_route_change_still_attributes",
        |ctx| async move {
            let shop = ctx.shop(DemoProgramOptions::default()).await?;
            let referrer = ctx.browser("referrer").await?;
            let alice = flows::sign_up(&referrer, &shop, "Alice", "alice@example.com").await?;

            let friend = ctx.browser("friend").await?;
            friend
                .goto(&shop.url(&format!("/app?ref={}", alice.customer_key)))
                .await?;
            // The router has already replaced the address: no referral key left in it.
            ensure!(friend.text("#app-route").await? == "/app/home");
            let address = friend.current_url().await?;
            ensure!(
                address == shop.url("/app/home"),
                "address after the route change: {address}"
            );

            let cookie = friend.wait_for_cookie(REFERRAL_COOKIE).await?;
            ensure!(
                cookie.value() == alice.customer_key,
                "cookie {:?}",
                cookie.value()
            );
            flows::wait_for_clicks(&shop, &alice.customer_key, 1).await?;

            // Later in-app route changes are not new landings.
            friend.click("#route-products").await?;
            poll(WAIT, "the products route", || async {
                Ok((friend.text("#app-route").await? == "/app/products").then_some(()))
            })
            .await?;
            friend.click("#route-settings").await?;
            tokio::time::sleep(std::time::Duration::from_millis(800)).await;
            let stats = shop.api.stats(&alice.customer_key).await?;
            ensure!(
                stats["clicks"] == 1,
                "clicks after in-app navigation: {stats}"
            );

            let bob = flows::sign_up(&friend, &shop, "Bob", "bob@example.com").await?;
            let bob_in_api = shop.api.customer(&bob.customer_key).await?;
            ensure!(
                bob_in_api["referring_customer"]["key"] == alice.customer_key.as_str(),
                "{bob_in_api}"
            );
            Ok(())
        },
    );
}
