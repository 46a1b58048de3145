//! The affiliate flow in the browser: a partner's short link is clicked, the visitor lands on the shop
//! with the `partnero_partner` cookie (the link key), signs up through the demo shop (whose backend
//! passes the cookie as `partner.key`) and buys; the link and the partner show one click, one lead,
//! one conversion, the revenue and the partner's commission.

use std::time::Duration;

use anyhow::{Result, ensure};
use e2e::flows::{self, same_amount};
use e2e::{Ctx, DemoProgramOptions, PARTNER_COOKIE, ProgramType, run};
use serde_json::{Value, json};

#[test]
fn short_link_affiliate_flow() {
    run("short_link_affiliate_flow", affiliate_flow);
}

fn amount(list: &Value) -> f64 {
    list[0]["amount"].as_f64().unwrap_or_default()
}

async fn affiliate_flow(ctx: Ctx) -> Result<()> {
    let shop = ctx
        .shop(DemoProgramOptions {
            program_type: ProgramType::Affiliate,
            ..Default::default()
        })
        .await?;

    // A partner and a campaign link with a short code.
    shop.api
        .post(
            "/v1/partners",
            &json!({"key": "john", "email": "john@example.com", "name": "John"}),
        )
        .await?;
    let link = shop
        .api
        .post(
            "/v1/partner_referral_links",
            &json!({"partner": {"key": "john"}, "key": "john-promo", "label": "Promo",
                    "destination_url": shop.url("/pricing"), "utm": {"source": "blog"}}),
        )
        .await?;
    let short_url = link["short_url"].as_str().unwrap_or_default().to_string();
    ensure!(short_url.contains("/go/"), "short url: {link}");

    // The visitor clicks the short link and lands on the pricing page with the partner cookie.
    let visitor = ctx.browser("visitor").await?;
    visitor.goto(&short_url).await?;
    let landed = visitor.current_url().await?;
    ensure!(
        landed == shop.url("/pricing?ref=john-promo&utm_source=blog"),
        "landed on {landed}"
    );
    let cookie = visitor.wait_for_cookie(PARTNER_COOKIE).await?;
    ensure!(
        cookie.value() == "john-promo",
        "cookie value {:?}",
        cookie.value()
    );
    ensure!(
        cookie.domain() == Some("shop.test"),
        "cookie domain {:?}",
        cookie.domain()
    );
    // The tracker reported the landing too; it is merged into the short-link click.
    visitor.wait_for_request("/pub/visits").await?;
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Sign-up through the shop: its backend reads the cookie and passes it as `partner.key`;
    // then the visitor buys the Pro plan ($49), which the backend records through the API.
    let bob = flows::sign_up(&visitor, &shop, "Bob", "bob@example.com").await?;
    let customer = shop.api.customer(&bob.customer_key).await?;
    ensure!(customer["partner"]["key"] == "john", "customer: {customer}");
    ensure!(
        customer["referral_link_key"] == "john-promo",
        "customer: {customer}"
    );
    let order = flows::buy(&visitor, &shop, "pro").await?;
    let sale = shop.api.get(&format!("/v1/transactions/{order}")).await?;
    ensure!(
        same_amount(sale["credit"].as_f64().unwrap_or_default(), 4.9),
        "sale: {sale}"
    );

    // The link's analytics…
    let link = shop
        .api
        .get("/v1/partner_referral_links/john-promo")
        .await?;
    ensure!(link["clicks"] == 1, "link clicks (merged): {link}");
    ensure!(link["unique_clicks"] == 1, "link unique clicks: {link}");
    ensure!(link["leads"] == 1, "link leads: {link}");
    ensure!(link["conversions"] == 1, "link conversions: {link}");
    ensure!(
        same_amount(amount(&link["revenue"]), 49.0),
        "link revenue: {link}"
    );
    let today = link["daily"]
        .as_array()
        .and_then(|days| days.last())
        .cloned()
        .unwrap_or_default();
    ensure!(
        today["clicks"] == 1 && today["conversions"] == 1,
        "today: {today}"
    );

    // …and the partner's stats and commission.
    let partner = shop.api.get("/v1/partners/john").await?;
    let stats = &partner["stats"];
    ensure!(stats["clicks"] == 1, "partner stats: {stats}");
    ensure!(stats["signups"] == 1, "partner stats: {stats}");
    ensure!(stats["sales_count"] == 1, "partner stats: {stats}");
    ensure!(stats["paid_accounts"] == 1, "partner stats: {stats}");
    ensure!(
        same_amount(amount(&stats["revenue"]), 49.0),
        "partner stats: {stats}"
    );
    ensure!(
        same_amount(amount(&stats["commissions"]["pending"]), 4.9),
        "partner stats: {stats}"
    );
    let commissions = shop.api.get("/v1/partners/john/commissions").await?;
    ensure!(
        commissions[0]["referral_link_key"] == "john-promo"
            && commissions[0]["transaction_key"] == order.as_str(),
        "commissions: {commissions}"
    );
    Ok(())
}
