//! A small client for the Partnero-compatible REST API (`/v1/...`), used by the shop's backend exactly
//! as the refer-a-friend integration guide describes.

use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use std::fmt;

/// Calls the referral API of one program with its API key.
#[derive(Clone)]
pub struct PartneroClient {
    http: reqwest::Client,
    base_url: String,
    api_key: String,
}

impl fmt::Debug for PartneroClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PartneroClient")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

/// Why an API call failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The API could not be reached or its answer could not be read.
    #[error("request failed: {0}")]
    Transport(#[from] reqwest::Error),
    /// The API answered with an error status.
    #[error("{status}: {message}")]
    Status {
        status: StatusCode,
        message: String,
        /// The `errors` object of the answer (field → messages), `null` when absent.
        errors: Value,
    },
}

impl ApiError {
    /// The HTTP status of an API error answer.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            ApiError::Status { status, .. } => Some(*status),
            ApiError::Transport(_) => None,
        }
    }

    /// True when the API blamed one of the `referring_customer` or `partner` fields.
    pub fn is_about_referrer(&self) -> bool {
        match self {
            ApiError::Status {
                errors: Value::Object(fields),
                ..
            } => fields.keys().any(|field| {
                field.starts_with("referring_customer") || field.starts_with("partner")
            }),
            _ => false,
        }
    }
}

/// A customer to create at sign-up (`POST /v1/customers`).
#[derive(Debug, Clone)]
pub struct NewCustomer<'a> {
    pub key: &'a str,
    pub email: &'a str,
    pub name: &'a str,
    /// The key from the `partnero_referral` cookie, when the visitor came through a referral link.
    pub referring_customer_key: Option<&'a str>,
    /// The key from the `partnero_partner` cookie (affiliate programs).
    pub partner_key: Option<&'a str>,
}

/// The parts of the customer object the shop keeps.
#[derive(Debug, Clone, Deserialize)]
pub struct CreatedCustomer {
    #[serde(default)]
    pub referral_link: Option<String>,
    #[serde(default)]
    pub referring_customer: Option<Value>,
}

#[derive(Deserialize)]
struct Envelope<T> {
    data: T,
}

impl PartneroClient {
    /// A client for the API at `base_url` (e.g. `http://127.0.0.1:8090`) using `api_key`.
    pub fn new(base_url: &str, api_key: &str) -> Self {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        PartneroClient {
            http,
            base_url: base_url.trim_end_matches('/').to_string(),
            api_key: api_key.to_string(),
        }
    }

    /// `POST /v1/customers`, with `referring_customer` (or `partner`) only when a key is known.
    pub async fn create_customer(
        &self,
        customer: &NewCustomer<'_>,
    ) -> Result<CreatedCustomer, ApiError> {
        let mut body =
            json!({ "key": customer.key, "email": customer.email, "name": customer.name });
        if let Some(referrer) = customer.referring_customer_key {
            body["referring_customer"] = json!({ "key": referrer });
        }
        if let Some(partner) = customer.partner_key {
            body["partner"] = json!({ "key": partner });
        }
        let answer = self
            .send(self.http.post(self.url("/v1/customers")).json(&body))
            .await?;
        Ok(serde_json::from_value::<Envelope<CreatedCustomer>>(answer)
            .map(|e| e.data)
            .unwrap_or(CreatedCustomer {
                referral_link: None,
                referring_customer: None,
            }))
    }

    /// `POST /v1/transactions`: a sale of `amount` by the customer `customer_key`.
    pub async fn create_sale(
        &self,
        customer_key: &str,
        transaction_key: &str,
        amount: f64,
    ) -> Result<Value, ApiError> {
        let body = json!({
            "customer": { "key": customer_key },
            "key": transaction_key,
            "amount": amount,
            "action": "sale",
        });
        self.send(self.http.post(self.url("/v1/transactions")).json(&body))
            .await
    }

    /// `DELETE /v1/transactions/{key}`: the refund, which reverses the reward.
    pub async fn delete_transaction(&self, transaction_key: &str) -> Result<Value, ApiError> {
        let path = format!("/v1/transactions/{}", encode_path_segment(transaction_key));
        self.send(self.http.delete(self.url(&path))).await
    }

    /// `GET /v1/customers/{key}`.
    pub async fn customer(&self, key: &str) -> Result<Value, ApiError> {
        self.customer_resource(key, "").await
    }

    /// `GET /v1/customers/{key}/stats`.
    pub async fn stats(&self, key: &str) -> Result<Value, ApiError> {
        self.customer_resource(key, "/stats").await
    }

    /// `GET /v1/customers/{key}/balance`.
    pub async fn balance(&self, key: &str) -> Result<Value, ApiError> {
        self.customer_resource(key, "/balance").await
    }

    /// `GET /v1/customers/{key}/referrals`.
    pub async fn referrals(&self, key: &str) -> Result<Value, ApiError> {
        self.customer_resource(key, "/referrals").await
    }

    async fn customer_resource(&self, key: &str, suffix: &str) -> Result<Value, ApiError> {
        let path = format!("/v1/customers/{}{suffix}", encode_path_segment(key));
        let answer = self.send(self.http.get(self.url(&path))).await?;
        Ok(answer.get("data").cloned().unwrap_or(Value::Null))
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Result<Value, ApiError> {
        let response = request
            .bearer_auth(&self.api_key)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await?;
        let status = response.status();
        let bytes = response.bytes().await?;
        let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(body);
        }
        let message = body
            .get("message")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| String::from_utf8_lossy(&bytes).chars().take(200).collect());
        let errors = body.get("errors").cloned().unwrap_or(Value::Null);
        Err(ApiError::Status {
            status,
            message,
            errors,
        })
    }
}

/// Percent-encodes everything but unreserved characters, for a key used as one path segment.
fn encode_path_segment(segment: &str) -> String {
    url::form_urlencoded::byte_serialize(segment.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}
