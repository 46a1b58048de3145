//! Referral links, one model for both program types: `/v1/partner_referral_links` (affiliate
//! programs, owned by partners) and `/v1/customer_referral_links` (refer-a-friend programs, owned
//! by customers); link domains; one link with its analytics.

use axum::extract::{OriginalUri, Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use super::partners::{PartnerBody, affiliate_only};
use super::{
    absolute_url, created, deleted, drop_repeated_path_key, find_customer, ok, only_params,
    page_json, page_param, prefixed, search_text, string_param,
};
use crate::affiliate::analytics::{self, DayRange};
use crate::affiliate::link_urls;
use crate::affiliate::model::{
    LinkFilter, LinkOwner, LinkUpdate, NewLink, OwnerKind, ReferralLink, Utm,
};
use crate::affiliate::views as affiliate_views;
use crate::error::{AppError, Validator};
use crate::extract::{ApiProgram, JsonBody, Params, decode};
use crate::model::CustomerLookup;
use crate::pagination::PageRequest;
use crate::program::{Program, ProgramKind};
use crate::state::AppState;
use crate::validation::{check_key, check_text};

/// `Some(None)` for an explicit `null`, `None` when absent.
fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// The customer owning a customer link.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CustomerBody {
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    id: Option<String>,
}

/// Fields shared by create and update.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkFields {
    #[serde(default)]
    key: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    domain_id: Option<Option<String>>,
    #[serde(default)]
    is_additional: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    label: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    destination_url: Option<Option<String>>,
    #[serde(default)]
    utm: Option<Utm>,
}

/// The owner fields of a `POST` body (decoded apart from [`LinkFields`]).
#[derive(Debug, Default)]
struct Owner {
    id: Option<String>,
    partner: Option<PartnerBody>,
    partner_key: Option<String>,
    customer: Option<CustomerBody>,
}

impl Owner {
    /// Takes the owner fields out of the body.
    fn take(body: &mut Map<String, Value>) -> Result<Self, AppError> {
        fn field<T: serde::de::DeserializeOwned>(
            body: &mut Map<String, Value>,
            name: &str,
        ) -> Result<Option<T>, AppError> {
            match body.remove(name) {
                None | Some(Value::Null) => Ok(None),
                Some(value) => decode(value)
                    .map(Some)
                    .map_err(|error| rename_body(error, name)),
            }
        }
        Ok(Self {
            id: field(body, "id")?,
            partner: field(body, "partner")?,
            partner_key: field(body, "partner_key")?,
            customer: field(body, "customer")?,
        })
    }
}

/// Names the fields of a nested decoding error after `name`.
fn rename_body(error: AppError, name: &str) -> AppError {
    let renamed = prefixed(error, &format!("{name}."));
    let errors = renamed
        .errors
        .into_iter()
        .map(|(field, messages)| {
            let field = if field == format!("{name}.body") {
                name.to_owned()
            } else {
                field
            };
            (field, messages)
        })
        .collect();
    AppError::invalid_fields(errors)
}

/// Which routes a request came through.
fn program_kind(kind: OwnerKind) -> ProgramKind {
    match kind {
        OwnerKind::Partner => ProgramKind::Affiliate,
        OwnerKind::Customer => ProgramKind::ReferAFriend,
    }
}

/// 403 when the program does not have this kind of link.
fn check_kind(program: &Program, kind: OwnerKind) -> Result<(), AppError> {
    match kind {
        OwnerKind::Partner => affiliate_only(program),
        OwnerKind::Customer if program.kind == program_kind(kind) => Ok(()),
        OwnerKind::Customer => Err(AppError::forbidden(
            "Customer referral links belong to refer-a-friend programs; use \
             /v1/partner_referral_links in an affiliate program.",
        )),
    }
}

/// Validates the shared fields; `prefix` is `update.` for wrapped updates.
fn check_fields(
    v: &mut Validator,
    program: &Program,
    fields: &LinkFields,
    prefix: &str,
) -> Option<Option<String>> {
    let field = |name: &str| format!("{prefix}{name}");
    if let Some(key) = &fields.key {
        v.check(&field("key"), check_key(key));
    }
    if let Some(Some(label)) = &fields.label {
        v.check(&field("label"), check_text(label, 255));
    }
    if let Some(Some(url)) = &fields.destination_url {
        v.check(
            &field("destination_url"),
            link_urls::check_destination(&program.settings, url),
        );
    }
    if let Some(utm) = &fields.utm {
        for (name, value) in utm.pairs() {
            let name = name.trim_start_matches("utm_");
            v.check(&field(&format!("utm.{name}")), check_text(value, 255));
        }
    }
    match (&fields.domain_id, fields.is_additional) {
        (Some(Some(id)), additional) => {
            if link_urls::additional_domain(&program.settings, id).is_none() {
                v.add(
                    field("domain_id"),
                    "Unknown domain; see GET /v1/partner_referral_links:domains.",
                );
            }
            match additional {
                None => v.add(
                    field("is_additional"),
                    "The is_additional field is required when domain_id is present.",
                ),
                Some(false) => v.add(
                    field("is_additional"),
                    "The is_additional field must be true for an additional domain.",
                ),
                Some(true) => {}
            }
            Some(Some(id.clone()))
        }
        (None, Some(true)) => {
            v.add(
                field("domain_id"),
                "The domain_id field is required when is_additional is true.",
            );
            None
        }
        (Some(None), _) | (None, Some(false)) => Some(None),
        (None, None) => None,
    }
}

/// The collector's public base URL (for `short_url`).
fn short_base(state: &AppState, headers: &HeaderMap) -> String {
    absolute_url(state, headers, "")
}

/// A page of link objects.
pub(crate) async fn list_response(
    state: &AppState,
    program: &Program,
    headers: &HeaderMap,
    path: &str,
    params: &Map<String, Value>,
    filter: LinkFilter,
    page: PageRequest,
) -> Result<Response, AppError> {
    let result = state.storage.list_links(program.id, &filter, page).await?;
    let base = short_base(state, headers);
    let items = result
        .items
        .iter()
        .map(|link| affiliate_views::link(&program.settings, link, &base))
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

/// Every added link of a customer (for `GET /v1/customers/{key}/referral_links`).
pub(crate) async fn customer_links(
    state: &AppState,
    program: &Program,
    headers: &HeaderMap,
    customer_row: i64,
) -> Result<Vec<Value>, AppError> {
    let filter = LinkFilter {
        kind: OwnerKind::Customer,
        owner: Some(LinkOwner::Customer(customer_row)),
        search: None,
    };
    let page = PageRequest {
        limit: crate::pagination::MAX_LIMIT,
        page: 1,
    };
    let result = state.storage.list_links(program.id, &filter, page).await?;
    let base = short_base(state, headers);
    Ok(result
        .items
        .iter()
        .map(|link| affiliate_views::link(&program.settings, link, &base))
        .collect())
}

async fn find_link(
    state: &AppState,
    program: &Program,
    kind: OwnerKind,
    id: &str,
) -> Result<ReferralLink, AppError> {
    check_kind(program, kind)?;
    if check_key(id).is_err() {
        return Err(AppError::not_found("Referral link"));
    }
    state
        .storage
        .link(program.id, kind, id)
        .await?
        .ok_or_else(|| AppError::not_found("Referral link"))
}

async fn create(
    state: &AppState,
    program: &Program,
    headers: &HeaderMap,
    kind: OwnerKind,
    body: Map<String, Value>,
) -> Result<Response, AppError> {
    check_kind(program, kind)?;
    let mut body = body;
    let request = Owner::take(&mut body)?;
    let fields: LinkFields = decode(Value::Object(body))?;
    let mut v = Validator::default();
    let domain = check_fields(&mut v, program, &fields, "");
    if let Some(id) = &request.id {
        v.check("id", check_key(id));
    }
    let owner_lookup = match kind {
        OwnerKind::Partner => {
            if request.customer.is_some() {
                v.add("customer", "The customer field is not allowed.");
            }
            match (request.partner, request.partner_key) {
                (Some(body), _) => body.lookup(&mut v, "partner").map(Err),
                (None, Some(key)) => v
                    .check("partner_key", check_key(&key))
                    .map(|_| Err(crate::affiliate::model::PartnerLookup::Key(key))),
                (None, None) => {
                    v.add("partner.key", "The partner field is required.");
                    None
                }
            }
        }
        OwnerKind::Customer => {
            if request.partner.is_some() || request.partner_key.is_some() {
                v.add("partner", "The partner field is not allowed.");
            }
            match request.customer {
                Some(CustomerBody { key: Some(key), .. }) => v
                    .check("customer.key", check_key(&key))
                    .map(|_| Ok(CustomerLookup::Key(key))),
                Some(CustomerBody {
                    key: None,
                    id: Some(id),
                }) => v
                    .check("customer.id", check_key(&id))
                    .map(|_| Ok(CustomerLookup::Id(id))),
                _ => {
                    v.add("customer.key", "The customer.key field is required.");
                    None
                }
            }
        }
    };
    v.finish()?;
    let owner = match owner_lookup {
        Some(Err(lookup)) => {
            let partner = state
                .storage
                .partner(program.id, &lookup)
                .await?
                .ok_or_else(|| {
                    AppError::invalid(
                        format!("partner.{}", lookup.field()),
                        "The partner does not exist.",
                    )
                })?;
            LinkOwner::Partner(partner.row_id)
        }
        Some(Ok(lookup)) => {
            let customer = find_customer(state, program, &lookup).await.map_err(|_| {
                let field = match lookup {
                    CustomerLookup::Key(_) => "customer.key",
                    CustomerLookup::Id(_) => "customer.id",
                };
                AppError::invalid(field, "The customer does not exist.")
            })?;
            LinkOwner::Customer(customer.row_id)
        }
        None => return Err(AppError::invalid("partner", "The owner is required.")),
    };
    let link = state
        .storage
        .create_link(
            program.id,
            NewLink {
                key: fields.key.unwrap_or_else(crate::ids::link_key),
                id: request.id,
                owner,
                domain: domain.flatten(),
                label: fields.label.flatten(),
                destination_url: fields.destination_url.flatten(),
                utm: fields.utm.unwrap_or_default(),
            },
        )
        .await?;
    Ok(created(affiliate_views::link(
        &program.settings,
        &link,
        &short_base(state, headers),
    )))
}

async fn show(
    state: &AppState,
    program: &Program,
    headers: &HeaderMap,
    kind: OwnerKind,
    id: &str,
    mut params: Map<String, Value>,
) -> Result<Response, AppError> {
    drop_repeated_path_key(&mut params, id);
    let params = &params;
    only_params(params, &["from", "to"])?;
    let range = DayRange::parse(
        string_param(params, "from")?.as_deref(),
        string_param(params, "to")?.as_deref(),
        crate::clock::now().date(),
    )
    .map_err(|(field, message)| AppError::invalid(field, message))?;
    let link = find_link(state, program, kind, id).await?;
    let totals = state
        .storage
        .link_totals(program.id, &link, range.start(), range.end())
        .await?;
    let mut value = affiliate_views::link(&program.settings, &link, &short_base(state, headers));
    let stats = analytics::stats(&totals, range);
    if let (Value::Object(map), Value::Object(stats)) = (&mut value, stats) {
        map.extend(stats.clone());
        map.insert("stats".into(), Value::Object(stats));
    }
    Ok(ok(value))
}

async fn update(
    state: &AppState,
    program: &Program,
    headers: &HeaderMap,
    kind: OwnerKind,
    id: &str,
    mut body: Map<String, Value>,
) -> Result<Response, AppError> {
    body.remove("id");
    let (fields, prefix) = match body.remove("update") {
        Some(update) => {
            body.remove("key");
            only_params(&body, &[])?;
            (update, "update.")
        }
        None => (Value::Object(body), ""),
    };
    check_kind(program, kind)?;
    let fields: LinkFields = decode(fields).map_err(|error| prefixed(error, prefix))?;
    let mut v = Validator::default();
    let domain = check_fields(&mut v, program, &fields, prefix);
    v.finish()?;
    let link = find_link(state, program, kind, id).await?;
    let update = LinkUpdate {
        key: fields.key,
        domain,
        label: fields.label,
        destination_url: fields.destination_url,
        utm: fields.utm,
    };
    let updated = state
        .storage
        .update_link(program.id, link.row_id, &update)
        .await?;
    Ok(ok(affiliate_views::link(
        &program.settings,
        &updated,
        &short_base(state, headers),
    )))
}

async fn delete(
    state: &AppState,
    program: &Program,
    kind: OwnerKind,
    id: &str,
) -> Result<Response, AppError> {
    let link = find_link(state, program, kind, id).await?;
    if link.is_default {
        return Err(AppError::invalid(
            "id",
            "A partner's default link cannot be deleted; delete or archive the partner.",
        ));
    }
    state.storage.delete_link(program.id, link.row_id).await?;
    Ok(deleted())
}

async fn list(
    state: &AppState,
    program: &Program,
    headers: &HeaderMap,
    path: &str,
    kind: OwnerKind,
    params: &Map<String, Value>,
    search: Option<String>,
) -> Result<Response, AppError> {
    check_kind(program, kind)?;
    let page = page_param(params)?;
    let filter = LinkFilter {
        kind,
        owner: None,
        search,
    };
    list_response(state, program, headers, path, params, filter, page).await
}

/// Generates the handlers of one link kind.
macro_rules! link_routes {
    ($module:ident, $kind:expr) => {
        /// Handlers of one kind of link.
        pub mod $module {
            use super::*;

            /// `POST`: 201 with the link.
            pub async fn create(
                State(state): State<AppState>,
                ApiProgram(program): ApiProgram,
                headers: HeaderMap,
                JsonBody(body): JsonBody,
            ) -> Result<Response, AppError> {
                super::create(&state, &program, &headers, $kind, body).await
            }

            /// `GET .../{id}`: the link with its analytics (`from`, `to`).
            pub async fn show(
                State(state): State<AppState>,
                ApiProgram(program): ApiProgram,
                headers: HeaderMap,
                Path(id): Path<String>,
                Params(params): Params,
            ) -> Result<Response, AppError> {
                super::show(&state, &program, &headers, $kind, &id, params).await
            }

            /// `PUT .../{id}` (wrapped or flat).
            pub async fn update(
                State(state): State<AppState>,
                ApiProgram(program): ApiProgram,
                headers: HeaderMap,
                Path(id): Path<String>,
                JsonBody(body): JsonBody,
            ) -> Result<Response, AppError> {
                super::update(&state, &program, &headers, $kind, &id, body).await
            }

            /// `DELETE .../{id}`.
            pub async fn delete(
                State(state): State<AppState>,
                ApiProgram(program): ApiProgram,
                Path(id): Path<String>,
                _body: JsonBody,
            ) -> Result<Response, AppError> {
                super::delete(&state, &program, $kind, &id).await
            }

            /// `GET`: paginated.
            pub async fn list(
                State(state): State<AppState>,
                ApiProgram(program): ApiProgram,
                OriginalUri(uri): OriginalUri,
                headers: HeaderMap,
                Params(params): Params,
            ) -> Result<Response, AppError> {
                only_params(&params, &["limit", "page"])?;
                super::list(&state, &program, &headers, uri.path(), $kind, &params, None).await
            }

            /// `GET ...:search`: `query` plus `limit`/`page`.
            pub async fn search(
                State(state): State<AppState>,
                ApiProgram(program): ApiProgram,
                OriginalUri(uri): OriginalUri,
                headers: HeaderMap,
                Params(params): Params,
            ) -> Result<Response, AppError> {
                check_kind(&program, $kind)?;
                let text = search_text(&params)?;
                super::list(
                    &state,
                    &program,
                    &headers,
                    uri.path(),
                    $kind,
                    &params,
                    Some(text),
                )
                .await
            }
        }
    };
}

link_routes!(partner, OwnerKind::Partner);
link_routes!(customer, OwnerKind::Customer);

/// `GET /v1/partner_referral_links:domains`: the primary domain, then the additional ones.
pub async fn domains(
    ApiProgram(program): ApiProgram,
    _body: JsonBody,
) -> Result<Response, AppError> {
    affiliate_only(&program)?;
    let list = link_urls::domains(&program.settings)
        .iter()
        .map(|domain| link_urls::domain_object(&program.settings, domain))
        .collect();
    Ok(ok(Value::Array(list)))
}
