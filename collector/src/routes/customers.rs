//! `/v1/customers`: create, read, update, delete, list and search.

use axum::extract::{OriginalUri, Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::{
    created, deleted, find_customer, key_from_body, ok, only_params, page_json, page_param,
    prefixed, search_text, string_param,
};
use crate::error::{AppError, Validator};
use crate::extract::{ApiProgram, JsonBody, Params, decode};
use crate::model::{
    Customer, CustomerFilter, CustomerLookup, CustomerUpdate, NewCustomer, ReferStatus, Source,
};
use crate::program::{Program, ProgramKind};
use crate::state::AppState;
use crate::validation::{check_date, check_email, check_key, check_text};
use crate::views;

/// `metadata` of a customer.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Metadata {
    #[serde(default)]
    pub date_of_birth: Option<String>,
}

/// `referring_customer` of a new customer.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReferringCustomer {
    #[serde(default, deserialize_with = "crate::lenient_key::optional")]
    pub key: Option<String>,
    #[serde(default, deserialize_with = "crate::lenient_key::optional")]
    pub id: Option<String>,
}

/// Body of `POST /v1/customers`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateCustomer {
    #[serde(default, deserialize_with = "crate::lenient_key::optional")]
    pub key: Option<String>,
    #[serde(default, deserialize_with = "crate::lenient_key::optional")]
    pub id: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub surname: Option<String>,
    #[serde(default)]
    pub metadata: Option<Metadata>,
    #[serde(default)]
    pub referring_customer: Option<ReferringCustomer>,
    /// Affiliate programs: the partner (a key may be one of the partner's link keys).
    #[serde(default)]
    pub partner: Option<super::partners::PartnerBody>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
}

/// Fields of `PUT /v1/customers`.
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
    metadata: Option<Metadata>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    approved: Option<bool>,
}

/// Validates the personal fields shared by create, update and transactions.
pub(crate) fn check_personal_fields(
    v: &mut Validator,
    prefix: &str,
    email: Option<&String>,
    name: Option<&String>,
    surname: Option<&String>,
    date_of_birth: Option<&String>,
) {
    if let Some(email) = email {
        v.check(&format!("{prefix}email"), check_email(email));
    }
    if let Some(name) = name {
        v.check(&format!("{prefix}name"), check_text(name, 255));
    }
    if let Some(surname) = surname {
        v.check(&format!("{prefix}surname"), check_text(surname, 255));
    }
    if let Some(date) = date_of_birth {
        v.check(&format!("{prefix}metadata.date_of_birth"), check_date(date));
    }
}

impl CreateCustomer {
    /// Validates and converts into a storage record.
    pub(crate) fn into_new_customer(self, kind: ProgramKind) -> Result<NewCustomer, AppError> {
        let mut v = Validator::default();
        match kind {
            ProgramKind::Affiliate if self.referring_customer.is_some() => v.add(
                "referring_customer",
                "Customers of affiliate programs are referred by a partner: use partner.",
            ),
            ProgramKind::ReferAFriend if self.partner.is_some() => v.add(
                "partner",
                "The partner field is only available in affiliate programs.",
            ),
            _ => {}
        }
        let partner = self.partner.and_then(|body| body.lookup(&mut v, "partner"));
        if let Some(key) = &self.key {
            v.check("key", check_key(key));
        }
        if let Some(id) = &self.id {
            v.check("id", check_key(id));
        }
        let date_of_birth = self.metadata.and_then(|m| m.date_of_birth);
        check_personal_fields(
            &mut v,
            "",
            self.email.as_ref(),
            self.name.as_ref(),
            self.surname.as_ref(),
            date_of_birth.as_ref(),
        );
        let tags = self.tags.unwrap_or_default();
        if tags.len() > 20 {
            v.add("tags", "At most 20 tags.");
        }
        for (index, tag) in tags.iter().enumerate() {
            v.check(&format!("tags.{index}"), check_text(tag, 64));
        }
        let referrer = match self.referring_customer {
            None => None,
            Some(ReferringCustomer { key: Some(key), .. }) => {
                v.check("referring_customer.key", check_key(&key));
                Some(CustomerLookup::Key(key))
            }
            Some(ReferringCustomer {
                key: None,
                id: Some(id),
            }) => {
                v.check("referring_customer.id", check_key(&id));
                Some(CustomerLookup::Id(id))
            }
            Some(ReferringCustomer {
                key: None,
                id: None,
            }) => {
                v.add(
                    "referring_customer.key",
                    "The referring_customer.key or referring_customer.id field is required.",
                );
                None
            }
        };
        v.finish()?;
        Ok(NewCustomer {
            key: self.key,
            id: self.id,
            email: self.email,
            name: self.name,
            surname: self.surname,
            date_of_birth,
            tags,
            referrer,
            partner,
        })
    }
}

/// `POST /v1/customers`.
pub async fn create(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    JsonBody(body): JsonBody,
) -> Result<Response, AppError> {
    let request: CreateCustomer = decode(Value::Object(body))?;
    let new = request.into_new_customer(program.kind)?;
    let outcome = state
        .storage
        .create_customer(&program, new, Source::Api)
        .await?;
    Ok(created(
        customer_object(&state, &program, &outcome.customer).await?,
    ))
}

/// `GET /v1/customers/{key}`.
pub async fn show(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    Path(key): Path<String>,
    _body: JsonBody,
) -> Result<Response, AppError> {
    let customer = find_customer(&state, &program, &CustomerLookup::Key(key)).await?;
    Ok(ok(customer_object(&state, &program, &customer).await?))
}

/// Customer objects of a list (see [`customer_object`]).
pub(crate) async fn customer_objects(
    state: &AppState,
    program: &Program,
    customers: &[Customer],
) -> Result<Vec<Value>, AppError> {
    let mut objects = Vec::with_capacity(customers.len());
    for customer in customers {
        objects.push(customer_object(state, program, customer).await?);
    }
    Ok(objects)
}

/// The customer object; in affiliate programs with its `partner` and `referral_link_key`.
pub(crate) async fn customer_object(
    state: &AppState,
    program: &Program,
    customer: &Customer,
) -> Result<Value, AppError> {
    let mut value = views::customer(&program.settings, customer);
    if program.kind == ProgramKind::Affiliate {
        let attribution = state
            .storage
            .customer_attribution(program.id, &customer.key)
            .await?;
        crate::affiliate::views::attribute(&mut value, attribution.as_ref(), false);
    }
    Ok(value)
}

async fn apply_update(
    state: &AppState,
    program: &Program,
    lookup: CustomerLookup,
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
    let date_of_birth = fields.metadata.and_then(|m| m.date_of_birth);
    let mut v = Validator::default();
    check_personal_fields(
        &mut v,
        prefix,
        fields.email.as_ref(),
        fields.name.as_ref(),
        fields.surname.as_ref(),
        date_of_birth.as_ref(),
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
    let customer = find_customer(state, program, &lookup).await?;
    let updated = state
        .storage
        .update_customer(
            program.id,
            &CustomerLookup::Key(customer.key),
            &CustomerUpdate {
                email: fields.email,
                name: fields.name,
                surname: fields.surname,
                date_of_birth,
                status: fields.status,
                approved: fields.approved,
            },
        )
        .await?;
    Ok(ok(customer_object(state, program, &updated).await?))
}

/// `PUT /v1/customers/{key}` (wrapped `{"update": {...}}` or flat).
pub async fn update(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    Path(key): Path<String>,
    JsonBody(mut body): JsonBody,
) -> Result<Response, AppError> {
    body.remove("key");
    body.remove("id");
    apply_update(&state, &program, CustomerLookup::Key(key), body).await
}

/// `PUT /v1/customers` with the key in the body (or query string).
pub async fn update_by_body(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    Params(mut body): Params,
) -> Result<Response, AppError> {
    let lookup = key_from_body(&mut body)?;
    apply_update(&state, &program, lookup, body).await
}

/// `DELETE /v1/customers/{key}`.
pub async fn delete(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    Path(key): Path<String>,
    _body: JsonBody,
) -> Result<Response, AppError> {
    let customer = find_customer(&state, &program, &CustomerLookup::Key(key)).await?;
    state
        .storage
        .delete_customer(program.id, &CustomerLookup::Key(customer.key))
        .await?;
    Ok(deleted())
}

/// `DELETE /v1/customers` with the key in the body (or query string).
pub async fn delete_by_body(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    Params(mut body): Params,
) -> Result<Response, AppError> {
    let lookup = key_from_body(&mut body)?;
    only_params(&body, &[])?;
    let customer = find_customer(&state, &program, &lookup).await?;
    state
        .storage
        .delete_customer(program.id, &CustomerLookup::Key(customer.key))
        .await?;
    Ok(deleted())
}

async fn list_page(
    state: &AppState,
    program: &Program,
    headers: &HeaderMap,
    path: &str,
    params: &Map<String, Value>,
    filter: CustomerFilter,
) -> Result<Response, AppError> {
    let page = page_param(params)?;
    let result = state
        .storage
        .list_customers(program.id, &filter, page)
        .await?;
    let items = customer_objects(state, program, &result.items).await?;
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

/// `GET /v1/customers`: `limit`, `page`, `refer_status`; with `key`/`id` in the body, one customer.
pub async fn list(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Params(mut params): Params,
) -> Result<Response, AppError> {
    if params.contains_key("key") || params.contains_key("id") {
        let lookup = key_from_body(&mut params)?;
        only_params(&params, &[])?;
        let customer = find_customer(&state, &program, &lookup).await?;
        return Ok(ok(customer_object(&state, &program, &customer).await?));
    }
    only_params(&params, &["limit", "page", "refer_status"])?;
    let refer_status = match string_param(&params, "refer_status")?.as_deref() {
        None | Some("") | Some("all") => None,
        Some("referred") => Some(ReferStatus::Referred),
        Some("non_referred") => Some(ReferStatus::NonReferred),
        Some(_) => {
            return Err(AppError::invalid(
                "refer_status",
                "The refer_status must be referred or non_referred.",
            ));
        }
    };
    let filter = CustomerFilter {
        refer_status,
        ..CustomerFilter::default()
    };
    list_page(&state, &program, &headers, uri.path(), &params, filter).await
}

/// `GET /v1/customers:search`: `query` (or `search`, `email`, `key`) plus `limit`/`page`.
pub async fn search(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Params(params): Params,
) -> Result<Response, AppError> {
    let text = search_text(&params)?;
    let filter = CustomerFilter {
        search: Some(text),
        ..CustomerFilter::default()
    };
    list_page(&state, &program, &headers, uri.path(), &params, filter).await
}
