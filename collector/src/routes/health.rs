//! `/healthz` (the process answers) and `/readyz` (the database answers).

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::error::AppError;
use crate::state::AppState;

/// Liveness.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Readiness: 503 when storage does not answer.
pub async fn readyz(State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    state
        .storage
        .ping()
        .await
        .map_err(|error| AppError::unavailable(format!("Storage is not ready: {error}")))?;
    Ok(Json(json!({ "status": "ready" })))
}
