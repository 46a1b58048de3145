//! Reading results straight from the collector's REST API (`/v1/...`) with the program's API key.

use anyhow::{Context, Result, bail};
use reqwest::StatusCode;
use serde_json::Value;

/// A client for one program's API.
#[derive(Debug, Clone)]
pub struct Api {
    http: reqwest::Client,
    base_url: String,
    api_key: String,
}

impl Api {
    /// A client for the collector at `base_url` using `api_key`.
    pub fn new(base_url: &str, api_key: &str) -> Self {
        Api {
            http: reqwest::Client::new(),
            base_url: base_url.trim_end_matches('/').to_string(),
            api_key: api_key.to_string(),
        }
    }

    /// `GET path`, returning the status and the JSON body (`null` when not JSON).
    pub async fn get_with_status(&self, path: &str) -> Result<(StatusCode, Value)> {
        let response = self
            .http
            .get(format!("{}{path}", self.base_url))
            .bearer_auth(&self.api_key)
            .header("Accept", "application/json")
            .send()
            .await
            .with_context(|| format!("GET {path}"))?;
        let status = response.status();
        let body = response.json::<Value>().await.unwrap_or(Value::Null);
        Ok((status, body))
    }

    /// `GET path` that must succeed; returns the body's `data`.
    pub async fn get(&self, path: &str) -> Result<Value> {
        let (status, body) = self.get_with_status(path).await?;
        if !status.is_success() {
            bail!("GET {path} answered {status}: {body}");
        }
        Ok(body.get("data").cloned().unwrap_or(body))
    }

    /// `method path` with a JSON body that must succeed; returns the body's `data`.
    pub async fn send(&self, method: reqwest::Method, path: &str, body: &Value) -> Result<Value> {
        let response = self
            .http
            .request(method.clone(), format!("{}{path}", self.base_url))
            .bearer_auth(&self.api_key)
            .json(body)
            .send()
            .await
            .with_context(|| format!("{method} {path}"))?;
        let status = response.status();
        let body = response.json::<Value>().await.unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("{method} {path} answered {status}: {body}");
        }
        Ok(body.get("data").cloned().unwrap_or(body))
    }

    /// `POST path` with a JSON body.
    pub async fn post(&self, path: &str, body: &Value) -> Result<Value> {
        self.send(reqwest::Method::POST, path, body).await
    }

    /// `GET /v1/customers/{key}`.
    pub async fn customer(&self, key: &str) -> Result<Value> {
        self.get(&format!("/v1/customers/{key}")).await
    }

    /// `GET /v1/customers/{key}/balance`.
    pub async fn balance(&self, key: &str) -> Result<Value> {
        self.get(&format!("/v1/customers/{key}/balance")).await
    }

    /// `GET /v1/customers/{key}/stats`.
    pub async fn stats(&self, key: &str) -> Result<Value> {
        self.get(&format!("/v1/customers/{key}/stats")).await
    }

    /// The keys of the customers `key` referred (`GET /v1/customers/{key}/referrals`).
    pub async fn referral_keys(&self, key: &str) -> Result<Vec<String>> {
        let list = self.get(&format!("/v1/customers/{key}/referrals")).await?;
        Ok(list
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|c| c.get("key").and_then(Value::as_str))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default())
    }
}
