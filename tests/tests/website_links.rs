//! Referral links of a website that is not at the root of its registrable domain (on a
//! subdomain, under a path), opened in Chromium against the real collector: the links the
//! collector hands out carry the key the tracker reads, and the website's own address is never
//! taken for a key. The pages are served by a small server of this test (any path, real
//! subdomains of `shop.test`), with the snippet.

use anyhow::{Context, Result, ensure};
use e2e::browser::Browser;
use e2e::{DemoProgramOptions, REFERRAL_COOKIE, flows, pages, run};
use serde_json::{Value, json};
use std::time::Duration;

/// Waits until the tracker has fetched the program settings, then a little longer, so that
/// whatever it would do on this page has been done.
async fn settle(browser: &Browser) -> Result<()> {
    browser.wait_for_request("/pub/programs/").await?;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    Ok(())
}

/// The links `POST /v1/customers` answered for a new customer `key`.
async fn links_of_new_customer(shop: &e2e::Shop, key: &str) -> Result<Vec<String>> {
    let customer = shop
        .api
        .post(
            "/v1/customers",
            &json!({"key": key, "email": format!("{key}@example.com")}),
        )
        .await?;
    let links = customer["referral_links"]
        .as_array()
        .with_context(|| format!("referral_links of {customer}"))?;
    Ok(links
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect())
}

/// Serves the snippet page on every path; returns the server's port.
async fn serve_site(shop: &e2e::Shop) -> Result<u16> {
    let collector = shop.running().collector_url.clone();
    let snippet = pages::fill(pages::SNIPPET, &collector, shop.program_id());
    let page = pages::page(&snippet, "<p>Site</p>");
    let site = pages::serve(vec![("/", page.clone()), ("/{*path}", page)]).await?;
    let port = site.rsplit(':').next().context("a port")?;
    Ok(port.parse()?)
}

/// The website is `http://my.shop.test:PORT` with subdomain links on: the collector hands out
/// `http://alice.my.shop.test:PORT/`, where the tracker reads `alice`, and on the website's own
/// pages `my` is not a key.
#[test]
fn a_website_on_a_subdomain_gets_working_subdomain_links() {
    run(
        "a_website_on_a_subdomain_gets_working_subdomain_links",
        |ctx| async move {
            let shop = ctx
                .shop(DemoProgramOptions {
                    subdomain_links: true,
                    ..Default::default()
                })
                .await?;
            let port = serve_site(&shop).await?;
            shop.api
                .send(
                    reqwest::Method::PUT,
                    "/v1/settings",
                    &json!({"website": format!("http://my.shop.test:{port}")}),
                )
                .await?;
            let links = links_of_new_customer(&shop, "alice").await?;
            let subdomain_link = format!("http://alice.my.shop.test:{port}/");
            ensure!(links.contains(&subdomain_link), "links: {links:?}");

            let visitor = ctx.browser("visitor").await?;
            visitor
                .goto(&format!("http://my.shop.test:{port}/pricing"))
                .await?;
            settle(&visitor).await?;
            let cookie = visitor.cookie(REFERRAL_COOKIE).await?;
            ensure!(
                cookie.is_none(),
                "the website's own subdomain was taken for a key: {cookie:?}"
            );
            let visits: Vec<String> = visitor
                .requested_urls()
                .await?
                .into_iter()
                .filter(|u| u.contains("/pub/visits"))
                .collect();
            ensure!(visits.is_empty(), "visits reported: {visits:?}");

            let friend = ctx.browser("friend").await?;
            friend.goto(&subdomain_link).await?;
            let cookie = friend.wait_for_cookie(REFERRAL_COOKIE).await?;
            ensure!(cookie.value() == "alice", "cookie {cookie:?}");
            flows::wait_for_clicks(&shop, "alice", 1).await?;
            Ok(())
        },
    );
}

/// The website is `http://shop.test:PORT/store` with the Link structure: the collector hands out
/// `http://shop.test:PORT/store/aff/alice` (the site lives under `/store`), and the tracker reads
/// `alice` there.
#[test]
fn a_website_under_a_path_gets_working_path_links() {
    run(
        "a_website_under_a_path_gets_working_path_links",
        |ctx| async move {
            let shop = ctx.shop(DemoProgramOptions::default()).await?;
            let port = serve_site(&shop).await?;
            shop.api
                .send(
                    reqwest::Method::PUT,
                    "/v1/settings",
                    &json!({"website": format!("http://shop.test:{port}/store"), "url_format": "link"}),
                )
                .await?;
            let links = links_of_new_customer(&shop, "alice").await?;
            let link = format!("http://shop.test:{port}/store/aff/alice");
            ensure!(links.first() == Some(&link), "links: {links:?}");

            let friend = ctx.browser("friend").await?;
            friend.goto(&link).await?;
            let cookie = friend.wait_for_cookie(REFERRAL_COOKIE).await?;
            ensure!(cookie.value() == "alice", "cookie {cookie:?}");
            flows::wait_for_clicks(&shop, "alice", 1).await?;
            Ok(())
        },
    );
}
