//! What a visitor does in the demo shop, through its UI: sign up, buy, refund, read "My referrals".

use crate::browser::{Browser, WAIT, poll};
use crate::shop::Shop;
use anyhow::{Context, Result, bail};
use serde_json::Value;

/// A signed-up shop user.
#[derive(Debug, Clone)]
pub struct Member {
    /// Their customer key in the referral program (also their referral key).
    pub customer_key: String,
    /// The referral link shown on "My referrals".
    pub referral_link: String,
}

/// Signs up through `/signup` and returns what "My referrals" shows.
pub async fn sign_up(browser: &Browser, shop: &Shop, name: &str, email: &str) -> Result<Member> {
    browser.goto(&shop.url("/signup")).await?;
    browser.fill("#signup-name", name).await?;
    browser.fill("#signup-email", email).await?;
    browser.click("#signup-submit").await?;
    let customer_key = browser
        .text("#customer-key")
        .await
        .context("sign-up did not reach My referrals")?;
    let referral_link = browser.value("#referral-link").await?;
    if referral_link.is_empty() {
        bail!("My referrals shows no referral link for {customer_key}");
    }
    Ok(Member {
        customer_key,
        referral_link,
    })
}

/// Logs in through `/login` and waits for the page the log-in leads to ("My referrals").
///
/// WebDriver's click returns once the click is dispatched, and the form's navigation may only start
/// after that: a navigation begun right after the click (e.g. opening `/referrals`) can overtake the
/// log-in, which then never sets the session cookie. Waiting for the resulting page rules that out.
pub async fn log_in(browser: &Browser, shop: &Shop, email: &str) -> Result<()> {
    browser.goto(&shop.url("/login")).await?;
    browser.fill("input[name=email]", email).await?;
    browser.click("form.card button").await?;
    browser
        .wait_for("#customer-key")
        .await
        .with_context(|| format!("log-in as {email} did not reach My referrals"))?;
    Ok(())
}

/// Logs out and waits for the signed-out page, so that the next navigation cannot overtake the
/// log-out (see [`log_in`]).
pub async fn log_out(browser: &Browser) -> Result<()> {
    browser.click("#logout").await?;
    browser
        .wait_for("#nav-signup")
        .await
        .context("log-out did not reach a signed-out page")?;
    Ok(())
}

/// Buys `product` (`starter`, `pro`, `team`) on `/purchase`; returns the order key.
pub async fn buy(browser: &Browser, shop: &Shop, product: &str) -> Result<String> {
    browser.goto(&shop.url("/purchase")).await?;
    browser.click(&format!("#buy-{product}")).await?;
    browser.wait_for("#order-confirmation").await?;
    let url = url::Url::parse(&browser.current_url().await?)?;
    let order = url
        .query_pairs()
        .find(|(name, _)| name == "order")
        .map(|(_, value)| value.into_owned());
    let order = order.context("the purchase page does not name the order")?;
    let row = browser
        .attr(&format!("tr[data-order='{order}']"), "data-status")
        .await?;
    if row.as_deref() != Some("paid") {
        bail!("order {order} is {row:?}, expected paid");
    }
    Ok(order)
}

/// Clicks "Refund" for `order_key` on `/purchase` and waits until the order shows as refunded.
pub async fn refund(browser: &Browser, shop: &Shop, order_key: &str) -> Result<()> {
    browser.goto(&shop.url("/purchase")).await?;
    browser
        .click(&format!("tr[data-order='{order_key}'] button.refund"))
        .await?;
    browser
        .wait_for(&format!(
            "tr[data-order='{order_key}'][data-status='refunded']"
        ))
        .await?;
    Ok(())
}

/// What "My referrals" shows.
#[derive(Debug, Clone, Default)]
pub struct ReferralsView {
    pub referral_link: String,
    /// `(field, shown value)` of the balance.
    pub balance: Vec<(String, String)>,
    /// `(field, shown value)` of the stats.
    pub stats: Vec<(String, String)>,
    /// Customer keys of the referred friends.
    pub referral_keys: Vec<String>,
}

impl ReferralsView {
    /// The shown value of a balance field.
    pub fn balance_field(&self, name: &str) -> Option<&str> {
        self.balance
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
    }
}

/// Opens "My referrals" and reads it.
pub async fn referrals_view(browser: &Browser, shop: &Shop) -> Result<ReferralsView> {
    browser.goto(&shop.url("/referrals")).await?;
    browser.wait_for("#customer-key").await?;
    let script = r#"
        const fields = (id) => Array.from(document.querySelectorAll('#' + id + ' dd[data-field]'))
            .map(dd => [dd.dataset.field, dd.textContent.trim()]);
        return {
            link: (document.querySelector('#referral-link') || {}).value || '',
            balance: fields('balance'),
            stats: fields('stats'),
            referrals: Array.from(document.querySelectorAll('tr.referral')).map(tr => tr.dataset.key),
            errors: Array.from(document.querySelectorAll('.error')).map(e => e.textContent.trim()),
        };
    "#;
    let page = browser.eval(script).await?;
    if let Some(errors) = page["errors"].as_array().filter(|e| !e.is_empty()) {
        bail!("My referrals shows errors: {errors:?}");
    }
    let pairs = |value: &Value| -> Vec<(String, String)> {
        value
            .as_array()
            .map(|rows| {
                rows.iter()
                    .filter_map(|row| {
                        Some((row[0].as_str()?.to_string(), row[1].as_str()?.to_string()))
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    Ok(ReferralsView {
        referral_link: page["link"].as_str().unwrap_or_default().to_string(),
        balance: pairs(&page["balance"]),
        stats: pairs(&page["stats"]),
        referral_keys: page["referrals"]
            .as_array()
            .map(|keys| {
                keys.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
    })
}

/// The credited amount in `unit` of a `GET /v1/customers/{key}/balance` answer.
pub fn credited(balance: &Value, unit: &str) -> f64 {
    amount_in(&balance["balance"], unit)
}

/// Sums the `amount`s of a list of `{amount, amount_units}` (or takes a plain number).
pub fn amount_in(value: &Value, unit: &str) -> f64 {
    match value {
        Value::Number(n) => n.as_f64().unwrap_or_default(),
        Value::Array(items) => items
            .iter()
            .filter(|item| {
                item["amount_units"]
                    .as_str()
                    .is_none_or(|u| u.eq_ignore_ascii_case(unit))
            })
            .map(|item| item["amount"].as_f64().unwrap_or_default())
            .sum(),
        _ => 0.0,
    }
}

/// Waits until the customer's API stats report `clicks` visits (visits are recorded asynchronously).
pub async fn wait_for_clicks(shop: &Shop, customer_key: &str, clicks: i64) -> Result<Value> {
    poll(
        WAIT,
        &format!("{customer_key} to have {clicks} click(s)"),
        || async {
            let stats = shop.api.stats(customer_key).await?;
            Ok((stats["clicks"].as_i64() == Some(clicks)).then_some(stats))
        },
    )
    .await
}

/// True when two amounts are equal to the cent.
pub fn same_amount(a: f64, b: f64) -> bool {
    (a - b).abs() < 0.005
}
