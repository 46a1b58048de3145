//! `/v1/coupons` (affiliate programs): codes tied to a partner; a transaction carrying a code is
//! attributed to that partner.

use axum::extract::{OriginalUri, Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use serde_json::Value;

use super::partners::{PartnerBody, affiliate_only};
use super::{created, deleted, ok, only_params, page_json, page_param, prefixed};
use crate::affiliate::model::{Coupon, CouponUpdate, NewCoupon, PartnerLookup};
use crate::affiliate::views as affiliate_views;
use crate::error::{AppError, Validator};
use crate::extract::{ApiProgram, JsonBody, Params, decode};
use crate::money;
use crate::program::Program;
use crate::state::AppState;
use crate::validation::{check_key, check_text};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CouponFields {
    #[serde(default, alias = "coupon_code")]
    code: Option<String>,
    #[serde(default)]
    partner: Option<PartnerBody>,
    #[serde(default)]
    partner_key: Option<String>,
    #[serde(default)]
    discount_type: Option<String>,
    #[serde(default)]
    discount_value: Option<Value>,
    #[serde(default)]
    description: Option<String>,
}

/// The validated fields.
struct Checked {
    partner: Option<PartnerLookup>,
    discount_type: Option<String>,
    discount_value: Option<i64>,
}

fn check(v: &mut Validator, fields: CouponFields, prefix: &str) -> (Checked, Option<String>) {
    let field = |name: &str| format!("{prefix}{name}");
    if let Some(description) = &fields.description {
        v.check(&field("description"), check_text(description, 255));
    }
    let partner = match (fields.partner, fields.partner_key) {
        (Some(body), _) => body.lookup(v, &field("partner")),
        (None, Some(key)) => v
            .check(&field("partner_key"), check_key(&key))
            .map(|_| PartnerLookup::Key(key)),
        (None, None) => None,
    };
    if let Some(kind) = &fields.discount_type
        && !matches!(kind.as_str(), "percentage" | "fixed")
    {
        v.add(
            field("discount_type"),
            "The discount_type must be percentage or fixed.",
        );
    }
    let discount_value = fields
        .discount_value
        .as_ref()
        .and_then(|value| v.check(&field("discount_value"), money::parse_amount(value)));
    if fields.discount_type.as_deref() == Some("percentage")
        && discount_value.is_some_and(|value| value > 10_000)
    {
        v.add(
            field("discount_value"),
            "A percentage discount must be between 0 and 100.",
        );
    }
    (
        Checked {
            partner,
            discount_type: fields.discount_type,
            discount_value,
        },
        fields.description,
    )
}

async fn find(state: &AppState, program: &Program, code: &str) -> Result<Coupon, AppError> {
    affiliate_only(program)?;
    if check_key(code).is_err() {
        return Err(AppError::not_found("Coupon"));
    }
    state
        .storage
        .coupon(program.id, code)
        .await?
        .ok_or_else(|| AppError::not_found("Coupon"))
}

/// `POST /v1/coupons`: `{code, partner {id|key|email}, discount_type, discount_value, description?}`.
pub async fn create(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    JsonBody(body): JsonBody,
) -> Result<Response, AppError> {
    affiliate_only(&program)?;
    let fields: CouponFields = decode(Value::Object(body))?;
    let mut v = Validator::default();
    let code = fields.code.clone();
    match &code {
        Some(code) => {
            v.check("code", check_key(code));
        }
        None => v.add("code", "The code field is required."),
    }
    let missing_partner = fields.partner.is_none() && fields.partner_key.is_none();
    let missing_type = fields.discount_type.is_none();
    let missing_value = fields.discount_value.is_none();
    let (checked, description) = check(&mut v, fields, "");
    if missing_partner {
        v.add("partner.key", "The partner field is required.");
    }
    if missing_type {
        v.add("discount_type", "The discount_type field is required.");
    }
    if missing_value {
        v.add("discount_value", "The discount_value field is required.");
    }
    v.finish()?;
    let (Some(code), Some(partner), Some(discount_type), Some(discount_value)) = (
        code,
        checked.partner,
        checked.discount_type,
        checked.discount_value,
    ) else {
        return Err(AppError::invalid("code", "The coupon is incomplete."));
    };
    let coupon = state
        .storage
        .create_coupon(
            program.id,
            NewCoupon {
                code,
                partner,
                discount_type,
                discount_value,
                description,
            },
        )
        .await?;
    Ok(created(affiliate_views::coupon(&coupon)))
}

/// `GET /v1/coupons/{code}`.
pub async fn show(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    Path(code): Path<String>,
    _body: JsonBody,
) -> Result<Response, AppError> {
    let coupon = find(&state, &program, &code).await?;
    Ok(ok(affiliate_views::coupon(&coupon)))
}

/// `PUT /v1/coupons/{code}` (wrapped `{"update": {...}}` or flat; the code stays).
pub async fn update(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    Path(code): Path<String>,
    JsonBody(mut body): JsonBody,
) -> Result<Response, AppError> {
    affiliate_only(&program)?;
    body.remove("code");
    let (fields, prefix) = match body.remove("update") {
        Some(update) => {
            only_params(&body, &[])?;
            (update, "update.")
        }
        None => (Value::Object(body), ""),
    };
    let fields: CouponFields = decode(fields).map_err(|error| prefixed(error, prefix))?;
    if fields.code.is_some() {
        return Err(AppError::invalid(
            format!("{prefix}code"),
            "The code of a coupon cannot change; create a new coupon.",
        ));
    }
    let mut v = Validator::default();
    let had_description = fields.description.is_some();
    let (checked, description) = check(&mut v, fields, prefix);
    v.finish()?;
    let coupon = find(&state, &program, &code).await?;
    // The coupon as it will be: a percentage of at most 100, whichever field the update changes.
    let discount_type = checked
        .discount_type
        .as_deref()
        .unwrap_or(&coupon.discount_type);
    let discount_value = checked.discount_value.unwrap_or(coupon.discount_value);
    if discount_type == "percentage" && discount_value > 10_000 {
        return Err(AppError::invalid(
            format!("{prefix}discount_value"),
            "A percentage discount must be between 0 and 100.",
        ));
    }
    let update = CouponUpdate {
        partner: checked.partner,
        discount_type: checked.discount_type,
        discount_value: checked.discount_value,
        description: had_description.then_some(description),
    };
    let updated = state
        .storage
        .update_coupon(program.id, coupon.row_id, &update)
        .await?;
    Ok(ok(affiliate_views::coupon(&updated)))
}

/// `DELETE /v1/coupons/{code}`.
pub async fn delete(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    Path(code): Path<String>,
    _body: JsonBody,
) -> Result<Response, AppError> {
    let coupon = find(&state, &program, &code).await?;
    state
        .storage
        .delete_coupon(program.id, coupon.row_id)
        .await?;
    Ok(deleted())
}

/// `GET /v1/coupons`: paginated.
pub async fn list(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Params(params): Params,
) -> Result<Response, AppError> {
    affiliate_only(&program)?;
    only_params(&params, &["limit", "page"])?;
    let page = page_param(&params)?;
    let result = state.storage.list_coupons(program.id, page).await?;
    let items = result.items.iter().map(affiliate_views::coupon).collect();
    Ok(page_json(
        &state,
        &headers,
        uri.path(),
        &params,
        items,
        result.total,
        page,
    ))
}
