//! `/v1/partners` (affiliate programs): create, read with stats, update, delete, list, search,
//! archive, their referral links and commissions.

use axum::extract::{OriginalUri, Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::{
    created, deleted, drop_repeated_path_key, key_from_body, ok, only_params, page_json,
    page_param, prefixed, search_text,
};
use crate::affiliate::model::{
    LinkFilter, LinkOwner, NewPartner, OwnerKind, Partner, PartnerLookup, PartnerUpdate,
};
use crate::affiliate::views as affiliate_views;
use crate::error::{AppError, Validator};
use crate::extract::{ApiProgram, JsonBody, Params, decode};
use crate::program::{Program, ProgramKind};
use crate::state::AppState;
use crate::validation::{check_email, check_key, check_text};

/// A `partner {id|key|email}` (or `referring_partner`) object in a request.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PartnerBody {
    #[serde(default, deserialize_with = "crate::lenient_key::optional")]
    id: Option<String>,
    #[serde(default, deserialize_with = "crate::lenient_key::optional")]
    key: Option<String>,
    #[serde(default)]
    email: Option<String>,
}

impl PartnerBody {
    /// Validates into a lookup; errors name `{field}.key` etc.
    pub(crate) fn lookup(self, v: &mut Validator, field: &str) -> Option<PartnerLookup> {
        let lookup = match (self.id, self.key, self.email) {
            (Some(id), _, _) => PartnerLookup::Id(id),
            (None, Some(key), _) => PartnerLookup::Key(key),
            (None, None, Some(email)) => PartnerLookup::Email(email),
            (None, None, None) => {
                v.add(
                    format!("{field}.key"),
                    format!("The {field}.id, {field}.key or {field}.email field is required."),
                );
                return None;
            }
        };
        let path = format!("{field}.{}", lookup.field());
        let valid = match &lookup {
            PartnerLookup::Email(email) => v.check(&path, check_email(email)),
            other => v.check(&path, check_key(other.value())),
        };
        valid.map(|_| lookup)
    }
}

/// 403 unless the program is an affiliate program.
pub(crate) fn affiliate_only(program: &Program) -> Result<(), AppError> {
    if program.kind == ProgramKind::Affiliate {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "Partners, partner referral links and coupons belong to affiliate programs; \
             this API key's program is a refer-a-friend program.",
        ))
    }
}

/// Finds a live partner of the program by id, falling back to key; 404 otherwise.
pub(crate) async fn find_partner(
    state: &AppState,
    program: &Program,
    id: &str,
) -> Result<Partner, AppError> {
    affiliate_only(program)?;
    if check_key(id).is_err() {
        return Err(AppError::not_found("Partner"));
    }
    for lookup in [
        PartnerLookup::Id(id.to_owned()),
        PartnerLookup::Key(id.to_owned()),
    ] {
        if let Some(partner) = state.storage.partner(program.id, &lookup).await? {
            return Ok(partner);
        }
    }
    Err(AppError::not_found("Partner"))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreatePartner {
    #[serde(default, deserialize_with = "crate::lenient_key::optional")]
    key: Option<String>,
    #[serde(default, deserialize_with = "crate::lenient_key::optional")]
    id: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    surname: Option<String>,
    #[serde(default)]
    referring_partner: Option<PartnerBody>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateFields {
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    surname: Option<String>,
    #[serde(default)]
    status: Option<String>,
}

fn check_names(
    v: &mut Validator,
    prefix: &str,
    email: Option<&String>,
    name: Option<&String>,
    surname: Option<&String>,
) {
    if let Some(email) = email {
        v.check(&format!("{prefix}email"), check_email(email));
    }
    for (field, value) in [("name", name), ("surname", surname)] {
        if let Some(value) = value {
            v.check(&format!("{prefix}{field}"), check_text(value, 255));
        }
    }
}

/// The partner object, with its statistics.
async fn with_stats(
    state: &AppState,
    program: &Program,
    partner: &Partner,
) -> Result<Value, AppError> {
    let stats = state
        .storage
        .partner_stats(program.id, partner.row_id)
        .await?;
    let mut value = affiliate_views::partner(&program.settings, partner);
    value["stats"] = affiliate_views::partner_stats(&stats);
    Ok(value)
}

/// `POST /v1/partners`.
pub async fn create(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    JsonBody(body): JsonBody,
) -> Result<Response, AppError> {
    affiliate_only(&program)?;
    let request: CreatePartner = decode(Value::Object(body))?;
    let mut v = Validator::default();
    for (field, value) in [("key", &request.key), ("id", &request.id)] {
        if let Some(value) = value {
            v.check(field, check_key(value));
        }
    }
    check_names(
        &mut v,
        "",
        request.email.as_ref(),
        request.name.as_ref(),
        request.surname.as_ref(),
    );
    let referring_partner = request
        .referring_partner
        .and_then(|body| body.lookup(&mut v, "referring_partner"));
    v.finish()?;
    if let (Some(lookup), Some(key)) = (&referring_partner, &request.key)
        && matches!(lookup, PartnerLookup::Key(k) if k == key)
    {
        return Err(AppError::invalid(
            "referring_partner.key",
            "A partner cannot refer themselves.",
        ));
    }
    let partner = state
        .storage
        .create_partner(
            &program,
            NewPartner {
                key: request.key,
                id: request.id,
                email: request.email,
                name: request.name,
                surname: request.surname,
                referring_partner,
            },
        )
        .await?;
    Ok(created(affiliate_views::partner(
        &program.settings,
        &partner,
    )))
}

/// `GET /v1/partners/{id}`: the partner with `stats`.
pub async fn show(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    Path(id): Path<String>,
    _body: JsonBody,
) -> Result<Response, AppError> {
    let partner = find_partner(&state, &program, &id).await?;
    Ok(ok(with_stats(&state, &program, &partner).await?))
}

/// Updates the partner named `id`, or `found` when the caller already looked it up.
async fn apply_update(
    state: &AppState,
    program: &Program,
    id: &str,
    found: Option<Partner>,
    mut body: Map<String, Value>,
) -> Result<Response, AppError> {
    let (fields, prefix) = match body.remove("update") {
        Some(update) => {
            only_params(&body, &[])?;
            (update, "update.")
        }
        None => (Value::Object(body), ""),
    };
    let fields: UpdateFields = decode(fields).map_err(|error| prefixed(error, prefix))?;
    let mut v = Validator::default();
    check_names(
        &mut v,
        prefix,
        fields.email.as_ref(),
        fields.name.as_ref(),
        fields.surname.as_ref(),
    );
    if let Some(status) = &fields.status
        && !matches!(status.as_str(), "active" | "archived")
    {
        v.add(
            format!("{prefix}status"),
            "The status must be active or archived.",
        );
    }
    v.finish()?;
    let partner = match found {
        Some(partner) => partner,
        None => find_partner(state, program, id).await?,
    };
    let update = PartnerUpdate {
        email: fields.email,
        name: fields.name,
        surname: fields.surname,
        status: fields.status,
    };
    let updated = state
        .storage
        .update_partner(program, partner.row_id, &update)
        .await?;
    Ok(ok(affiliate_views::partner(&program.settings, &updated)))
}

/// `PUT /v1/partners/{id}` (wrapped `{"update": {...}}` or flat).
pub async fn update(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    Path(id): Path<String>,
    JsonBody(mut body): JsonBody,
) -> Result<Response, AppError> {
    body.remove("key");
    body.remove("id");
    apply_update(&state, &program, &id, None, body).await
}

/// `PUT /v1/partners` with the key (or id) in the body.
pub async fn update_by_body(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    Params(mut body): Params,
) -> Result<Response, AppError> {
    let partner = partner_from_body(&state, &program, &mut body).await?;
    let key = partner.key.clone();
    apply_update(&state, &program, &key, Some(partner), body).await
}

/// The partner a collection request names: by `key` or `id` (body or query string), or else by
/// `email`, as the official clients send it.
async fn partner_from_body(
    state: &AppState,
    program: &Program,
    body: &mut Map<String, Value>,
) -> Result<Partner, AppError> {
    affiliate_only(program)?;
    if !body.contains_key("key")
        && !body.contains_key("id")
        && let Some(Value::String(email)) = body.get("email")
    {
        let lookup = PartnerLookup::Email(email.trim().to_owned());
        let partner = state.storage.partner(program.id, &lookup).await?;
        body.remove("email");
        return partner.ok_or_else(|| AppError::not_found("Partner"));
    }
    let lookup = key_from_body(body)?;
    find_partner(state, program, lookup.value()).await
}

async fn delete_partner(
    state: &AppState,
    program: &Program,
    partner: Partner,
) -> Result<Response, AppError> {
    state
        .storage
        .delete_partner(program, partner.row_id)
        .await?;
    Ok(deleted())
}

/// `DELETE /v1/partners/{id}`: removes the partner with its links and coupons.
pub async fn delete(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    Path(id): Path<String>,
    _body: JsonBody,
) -> Result<Response, AppError> {
    let partner = find_partner(&state, &program, &id).await?;
    delete_partner(&state, &program, partner).await
}

/// `DELETE /v1/partners` with the key (or id, or e-mail) in the body or query string.
pub async fn delete_by_body(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    Params(mut body): Params,
) -> Result<Response, AppError> {
    let partner = partner_from_body(&state, &program, &mut body).await?;
    only_params(&body, &[])?;
    delete_partner(&state, &program, partner).await
}

async fn list_page(
    state: &AppState,
    program: &Program,
    headers: &HeaderMap,
    path: &str,
    params: &Map<String, Value>,
    search: Option<String>,
) -> Result<Response, AppError> {
    let page = page_param(params)?;
    let result = state
        .storage
        .list_partners(program.id, search.as_deref(), page)
        .await?;
    let items = result
        .items
        .iter()
        .map(|partner| affiliate_views::partner(&program.settings, partner))
        .collect();
    Ok(page_json(
        state,
        headers,
        path,
        params,
        items,
        result.total,
        page,
    ))
}

/// `GET /v1/partners`: paginated; with `key`/`id` in the body, one partner.
pub async fn list(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Params(mut params): Params,
) -> Result<Response, AppError> {
    affiliate_only(&program)?;
    if params.contains_key("key") || params.contains_key("id") {
        let lookup = key_from_body(&mut params)?;
        only_params(&params, &[])?;
        let partner = find_partner(&state, &program, lookup.value()).await?;
        return Ok(ok(with_stats(&state, &program, &partner).await?));
    }
    only_params(&params, &["limit", "page"])?;
    list_page(&state, &program, &headers, uri.path(), &params, None).await
}

/// `GET /v1/partners:search`: `query` (or `search`, `email`, `key`) plus `limit`/`page`.
pub async fn search(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Params(params): Params,
) -> Result<Response, AppError> {
    affiliate_only(&program)?;
    let text = search_text(&params)?;
    list_page(&state, &program, &headers, uri.path(), &params, Some(text)).await
}

async fn set_status(
    state: &AppState,
    program: &Program,
    id: &str,
    mut body: Map<String, Value>,
    status: &str,
) -> Result<Response, AppError> {
    drop_repeated_path_key(&mut body, id);
    only_params(&body, &[])?;
    let partner = find_partner(state, program, id).await?;
    let update = PartnerUpdate {
        status: Some(status.to_owned()),
        ..PartnerUpdate::default()
    };
    let updated = state
        .storage
        .update_partner(program, partner.row_id, &update)
        .await?;
    Ok(ok(affiliate_views::partner(&program.settings, &updated)))
}

/// `POST /v1/partners/{id}/archive`.
pub async fn archive(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, AppError> {
    set_status(&state, &program, &id, body, "archived").await
}

/// `POST /v1/partners/{id}/revoke-archive`.
pub async fn revoke_archive(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, AppError> {
    set_status(&state, &program, &id, body, "active").await
}

/// `GET /v1/partners/{id}/referral_links`: the partner's links, default first (paginated).
pub async fn referral_links(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Params(mut params): Params,
) -> Result<Response, AppError> {
    drop_repeated_path_key(&mut params, &id);
    only_params(&params, &["limit", "page"])?;
    let page = page_param(&params)?;
    let partner = find_partner(&state, &program, &id).await?;
    let filter = LinkFilter {
        kind: OwnerKind::Partner,
        owner: Some(LinkOwner::Partner(partner.row_id)),
        search: None,
    };
    super::referral_links::list_response(
        &state,
        &program,
        &headers,
        uri.path(),
        &params,
        filter,
        page,
    )
    .await
}

/// `GET /v1/partners/{id}/commissions`: newest first (paginated).
pub async fn commissions(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Params(mut params): Params,
) -> Result<Response, AppError> {
    drop_repeated_path_key(&mut params, &id);
    only_params(&params, &["limit", "page"])?;
    let page = page_param(&params)?;
    let partner = find_partner(&state, &program, &id).await?;
    let result = state
        .storage
        .commissions(program.id, partner.row_id, page)
        .await?;
    let items = result
        .items
        .iter()
        .map(affiliate_views::commission)
        .collect();
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

/// `POST /v1/partners/{id}/commissions/pay`: marks every pending commission paid and answers
/// them (`reward.paid` for each).
pub async fn pay_commissions(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    Path(id): Path<String>,
    JsonBody(mut body): JsonBody,
) -> Result<Response, AppError> {
    drop_repeated_path_key(&mut body, &id);
    only_params(&body, &[])?;
    let partner = find_partner(&state, &program, &id).await?;
    let paid = state
        .storage
        .pay_commissions(program.id, partner.row_id)
        .await?;
    Ok(ok(Value::Array(
        paid.iter().map(affiliate_views::commission).collect(),
    )))
}
