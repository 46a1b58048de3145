//! `GET /v1/test`: credential check.

use axum::response::Response;
use serde_json::json;

use super::ok;
use crate::extract::{ApiProgram, JsonBody};

/// Answers with the program the key belongs to.
pub async fn test(ApiProgram(program): ApiProgram, _body: JsonBody) -> Response {
    ok(json!({
        "message": "The API key is valid.",
        "program": {
            "id": program.public_id,
            "name": program.settings.name,
            "type": program.kind.as_str(),
        },
    }))
}
