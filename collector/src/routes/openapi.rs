//! `GET /v1/openapi.json`: the OpenAPI 3.1 description of the private API, generated from
//! the same route table the authentication tests walk.

use axum::Json;
use serde_json::{Map, Value, json};

/// Every authenticated `/v1` route: (method, path, summary).
pub const API_ROUTES: &[(&str, &str, &str)] = &[
    ("GET", "/v1/test", "Check the API key"),
    ("GET", "/v1/settings", "Read the program settings"),
    (
        "PUT",
        "/v1/settings",
        "Change tracking settings and reward rules",
    ),
    (
        "POST",
        "/v1/customers",
        "Create a customer (optionally referred)",
    ),
    (
        "GET",
        "/v1/customers",
        "List customers (limit, page, refer_status)",
    ),
    (
        "PUT",
        "/v1/customers",
        "Update a customer named in the body",
    ),
    (
        "DELETE",
        "/v1/customers",
        "Delete a customer named in the body",
    ),
    ("GET", "/v1/customers:search", "Search customers (query)"),
    ("GET", "/v1/customers/{key}", "Get a customer"),
    ("PUT", "/v1/customers/{key}", "Update a customer"),
    ("DELETE", "/v1/customers/{key}", "Delete a customer"),
    ("GET", "/v1/customers/{key}/stats", "Referral statistics"),
    (
        "GET",
        "/v1/customers/{key}/balance",
        "Reward balance per unit",
    ),
    (
        "POST",
        "/v1/customers/{key}/balance/credit",
        "Credit the balance",
    ),
    (
        "POST",
        "/v1/customers/{key}/rewards/credit",
        "Credit pending rewards (manual programs; all, or `ids`)",
    ),
    (
        "GET",
        "/v1/customers/{key}/referrals",
        "Customers referred by this customer",
    ),
    (
        "GET",
        "/v1/customers/{key}/transactions",
        "This customer's transactions",
    ),
    (
        "GET",
        "/v1/customers/{key}/referral_links",
        "This customer's referral links",
    ),
    (
        "POST",
        "/v1/transactions",
        "Record a transaction or a batch (idempotent by key)",
    ),
    ("GET", "/v1/transactions", "List transactions"),
    (
        "DELETE",
        "/v1/transactions",
        "Refund a transaction named in the body",
    ),
    ("GET", "/v1/transactions/{key}", "Get a transaction"),
    (
        "DELETE",
        "/v1/transactions/{key}",
        "Refund a transaction (reverses its rewards)",
    ),
    (
        "POST",
        "/v1/transactions/{key}/archive",
        "Archive a transaction",
    ),
    (
        "PUT",
        "/v1/transactions/{key}/archive",
        "Archive a transaction (PUT, as POST)",
    ),
    (
        "POST",
        "/v1/transactions/{key}/revoke-archive",
        "Restore an archived transaction",
    ),
    (
        "PUT",
        "/v1/transactions/{key}/revoke-archive",
        "Restore an archived transaction (PUT, as POST)",
    ),
    (
        "POST",
        "/v1/partners",
        "Create a partner (affiliate programs; optional referring_partner)",
    ),
    ("GET", "/v1/partners", "List partners"),
    ("PUT", "/v1/partners", "Update a partner named in the body"),
    (
        "DELETE",
        "/v1/partners",
        "Delete a partner named in the body",
    ),
    ("GET", "/v1/partners:search", "Search partners (query)"),
    ("GET", "/v1/partners/{id}", "Get a partner with its stats"),
    ("PUT", "/v1/partners/{id}", "Update a partner"),
    (
        "DELETE",
        "/v1/partners/{id}",
        "Delete a partner with its links and coupons",
    ),
    ("POST", "/v1/partners/{id}/archive", "Archive a partner"),
    (
        "PUT",
        "/v1/partners/{id}/archive",
        "Archive a partner (PUT, as POST)",
    ),
    (
        "POST",
        "/v1/partners/{id}/revoke-archive",
        "Restore an archived partner",
    ),
    (
        "PUT",
        "/v1/partners/{id}/revoke-archive",
        "Restore an archived partner (PUT, as POST)",
    ),
    (
        "GET",
        "/v1/partners/{id}/referral_links",
        "A partner's referral links",
    ),
    (
        "GET",
        "/v1/partners/{id}/commissions",
        "A partner's commissions",
    ),
    (
        "POST",
        "/v1/partners/{id}/commissions/pay",
        "Mark a partner's pending commissions paid",
    ),
    (
        "POST",
        "/v1/partner_referral_links",
        "Create a partner referral link",
    ),
    (
        "GET",
        "/v1/partner_referral_links",
        "List partner referral links",
    ),
    (
        "PUT",
        "/v1/partner_referral_links",
        "Change a partner referral link named by id in the body",
    ),
    (
        "DELETE",
        "/v1/partner_referral_links",
        "Delete a partner referral link named by id in the body",
    ),
    (
        "GET",
        "/v1/partner_referral_links:search",
        "Search partner referral links (query)",
    ),
    (
        "GET",
        "/v1/partner_referral_links:domains",
        "Domains referral links can use",
    ),
    (
        "GET",
        "/v1/partner_referral_links/{id}",
        "Get a partner referral link with its analytics (from, to)",
    ),
    (
        "PUT",
        "/v1/partner_referral_links/{id}",
        "Change a partner referral link",
    ),
    (
        "DELETE",
        "/v1/partner_referral_links/{id}",
        "Delete a partner referral link",
    ),
    (
        "POST",
        "/v1/customer_referral_links",
        "Add a referral link to a customer (refer-a-friend programs)",
    ),
    (
        "GET",
        "/v1/customer_referral_links",
        "List added customer referral links",
    ),
    (
        "PUT",
        "/v1/customer_referral_links",
        "Change a customer referral link named by id in the body",
    ),
    (
        "DELETE",
        "/v1/customer_referral_links",
        "Delete a customer referral link named by id in the body",
    ),
    (
        "GET",
        "/v1/customer_referral_links:search",
        "Search customer referral links (query)",
    ),
    (
        "GET",
        "/v1/customer_referral_links/{id}",
        "Get a customer referral link with its analytics (from, to)",
    ),
    (
        "PUT",
        "/v1/customer_referral_links/{id}",
        "Change a customer referral link",
    ),
    (
        "DELETE",
        "/v1/customer_referral_links/{id}",
        "Delete a customer referral link",
    ),
    ("POST", "/v1/coupons", "Create a coupon tied to a partner"),
    ("GET", "/v1/coupons", "List coupons (with code: one coupon)"),
    (
        "PUT",
        "/v1/coupons",
        "Change a coupon named by code in the body",
    ),
    (
        "DELETE",
        "/v1/coupons",
        "Delete a coupon named by code in the body",
    ),
    ("GET", "/v1/coupons/{code}", "Get a coupon"),
    ("PUT", "/v1/coupons/{code}", "Change a coupon"),
    ("DELETE", "/v1/coupons/{code}", "Delete a coupon"),
    (
        "POST",
        "/v1/webhooks",
        "Register a webhook (returns its signing secret)",
    ),
    (
        "GET",
        "/v1/webhooks",
        "List webhooks (with key: one webhook)",
    ),
    (
        "PUT",
        "/v1/webhooks",
        "Change a webhook named by key in the body",
    ),
    (
        "DELETE",
        "/v1/webhooks",
        "Delete a webhook named by key in the body",
    ),
    ("GET", "/v1/webhooks/{key}", "Get a webhook"),
    ("PUT", "/v1/webhooks/{key}", "Change or re-enable a webhook"),
    ("DELETE", "/v1/webhooks/{key}", "Delete a webhook"),
    (
        "GET",
        "/v1/webhooks/{key}/deliveries",
        "The delivery log (status, attempts, last response)",
    ),
    (
        "POST",
        "/v1/webhooks/{key}/deliveries/{id}/replay",
        "Send one delivery again (same webhook-id)",
    ),
];

/// The OpenAPI document.
pub fn document_value() -> Value {
    let mut paths: Map<String, Value> = Map::new();
    for (method, path, summary) in API_ROUTES {
        let mut operation = json!({
            "summary": summary,
            "security": [{ "bearer": [] }],
            "responses": {
                "200": { "description": "OK", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Envelope" } } } },
                "401": { "$ref": "#/components/responses/Error" },
                "404": { "$ref": "#/components/responses/Error" },
                "422": { "$ref": "#/components/responses/Error" },
                "429": { "$ref": "#/components/responses/Error" }
            }
        });
        let parameters: Vec<Value> = path
            .split('/')
            .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
            .map(|name| {
                json!({
                    "name": name, "in": "path", "required": true,
                    "schema": { "type": "string", "pattern": "^[A-Za-z0-9_.-]{1,64}$" }
                })
            })
            .collect();
        if !parameters.is_empty() {
            operation["parameters"] = Value::Array(parameters);
        }
        if path.contains("/partner") || path.contains("/coupons") {
            operation["responses"]["403"] = json!({ "$ref": "#/components/responses/Error" });
        }
        if matches!(*method, "POST" | "PUT") {
            operation["requestBody"] = json!({
                "content": { "application/json": { "schema": { "type": "object" } } }
            });
        }
        if *method == "POST"
            && (path.ends_with("/customers")
                || path.ends_with("/transactions")
                || path.ends_with("/webhooks")
                || path.ends_with("/partners")
                || path.ends_with("_referral_links")
                || path.ends_with("/coupons"))
        {
            operation["responses"]["201"] = json!({ "description": "Created" });
            operation["responses"]["409"] = json!({ "$ref": "#/components/responses/Error" });
        }
        let entry = paths
            .entry((*path).to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        entry[method.to_ascii_lowercase()] = operation;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Collector REST API (Partnero-compatible)",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "See docs/api.md for request and response examples."
        },
        "servers": [{ "url": "/" }],
        "paths": paths,
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "schemas": {
                "Envelope": {
                    "type": "object",
                    "properties": { "data": {}, "status": { "const": 1 } }
                },
                "Error": {
                    "type": "object",
                    "required": ["message"],
                    "properties": {
                        "message": { "type": "string" },
                        "errors": { "type": "object", "additionalProperties": { "type": "array", "items": { "type": "string" } } }
                    }
                }
            },
            "responses": {
                "Error": {
                    "description": "Error",
                    "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } }
                }
            }
        }
    })
}

/// Serves the document (public: it contains no program data).
pub async fn document() -> Json<Value> {
    Json(document_value())
}
