//! Purchases: buying a plan reports a sale (`POST /v1/transactions`), and the refund button on the
//! purchase history deletes that transaction (`DELETE /v1/transactions/{key}`), reversing the reward.

use crate::current_user::CurrentUser;
use crate::error::AppError;
use crate::orders::{self, Order};
use crate::pages::layout::{dollars, page};
use crate::products::{self, CATALOGUE};
use crate::state::AppState;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Redirect;
use maud::{Markup, html};
use serde::Deserialize;

/// The buy form.
#[derive(Debug, Deserialize)]
pub struct BuyForm {
    #[serde(default)]
    pub product: String,
}

/// Query of the purchase page after an order or a refund.
#[derive(Debug, Default, Deserialize)]
pub struct PurchaseQuery {
    /// The order just placed.
    pub order: Option<String>,
}

/// `GET /purchase`: the plans and the user's purchase history.
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<PurchaseQuery>,
) -> Result<Markup, AppError> {
    let user = user.required()?;
    let history = orders::for_user(&state.db, user.id).await?;
    let just_placed = query
        .order
        .as_deref()
        .and_then(|key| history.iter().find(|o| o.order_key == key));
    let body = html! {
        @if let Some(order) = just_placed {
            p.notice id="order-confirmation" {
                "Thank you! Order " code { (order.order_key) } " for " (dollars(order.amount_cents)) " is paid."
                @if !order.reported { " (The referral program could not be told yet.)" }
            }
        }
        div.card {
            h2 { "Buy a plan" }
            @for product in CATALOGUE {
                form method="post" action="/purchase" {
                    input type="hidden" name="product" value=(product.id);
                    p {
                        strong { (product.name) } " — " (dollars(product.price_cents)) " "
                        button type="submit" id={ "buy-" (product.id) } { "Buy" }
                    }
                }
            }
        }
        div.card {
            h2 { "Purchase history" }
            @if history.is_empty() {
                p id="no-orders" { "No purchases yet." }
            } @else {
                table id="orders" {
                    tr { th { "Order" } th { "Plan" } th { "Amount" } th { "Status" } th {} }
                    @for order in &history { (order_row(order)) }
                }
            }
        }
    };
    Ok(page(&state.site, Some(&user), "Purchases", body))
}

fn order_row(order: &Order) -> Markup {
    let product = products::find(&order.product).map_or(order.product.as_str(), |p| p.name);
    html! {
        tr data-order=(order.order_key) data-status=(order.status) {
            td { code { (order.order_key) } }
            td { (product) }
            td { (dollars(order.amount_cents)) }
            td.status { (order.status) }
            td {
                @if order.status == orders::PAID {
                    form method="post" action={ "/orders/" (order.order_key) "/refund" } {
                        button type="submit" class="refund" { "Refund" }
                    }
                }
            }
        }
    }
}

/// `POST /purchase`: stores the order, then reports the sale to the referral API.
pub async fn buy(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<BuyForm>,
) -> Result<Redirect, AppError> {
    let user = user.required()?;
    let product = products::find(&form.product)
        .ok_or_else(|| AppError::Invalid(format!("there is no plan called {:?}", form.product)))?;
    let order = orders::insert(&state.db, user.id, product.id, product.price_cents).await?;
    let amount = product.price_cents as f64 / 100.0;
    match state
        .api
        .create_sale(&user.customer_key, &order.order_key, amount)
        .await
    {
        Ok(_) => orders::mark_reported(&state.db, &order.order_key).await?,
        Err(e) => {
            tracing::error!(order = %order.order_key, error = %e, "the sale could not be reported")
        }
    }
    Ok(Redirect::to(&format!(
        "/purchase?order={}",
        order.order_key
    )))
}

/// `POST /orders/{key}/refund`: refunds a paid order and deletes its transaction.
pub async fn refund(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(order_key): Path<String>,
) -> Result<Redirect, AppError> {
    let user = user.required()?;
    let order = orders::find(&state.db, user.id, &order_key)
        .await?
        .ok_or(AppError::NotFound("order"))?;
    if order.status != orders::PAID {
        return Err(AppError::Invalid(format!(
            "order {} is already {}",
            order.order_key, order.status
        )));
    }
    if order.reported {
        match state.api.delete_transaction(&order.order_key).await {
            Ok(_) => {}
            Err(e) if e.status().is_some_and(|s| s == 404) => {
                tracing::warn!(order = %order.order_key, "the referral API did not know the transaction");
            }
            Err(e) => return Err(e.into()),
        }
    }
    orders::mark_refunded(&state.db, &order.order_key).await?;
    Ok(Redirect::to("/purchase"))
}
