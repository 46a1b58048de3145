//! `GET`/`PUT /v1/settings`: the program's tracking settings and reward rules.

use axum::extract::State;
use axum::response::Response;
use serde_json::Value;

use super::ok;
use crate::error::AppError;
use crate::extract::{ApiProgram, JsonBody, decode};
use crate::settings::SettingsPatch;
use crate::state::AppState;
use crate::views;

/// The current settings.
pub async fn show(ApiProgram(program): ApiProgram, _body: JsonBody) -> Response {
    ok(views::private_settings(&program))
}

/// Applies a partial update (`{"update": {...}}` or flat).
pub async fn update(
    State(state): State<AppState>,
    ApiProgram(program): ApiProgram,
    JsonBody(mut body): JsonBody,
) -> Result<Response, AppError> {
    let patch_value = match body.remove("update") {
        Some(update) if body.is_empty() => update,
        Some(_) => {
            let extra = body.keys().next().cloned().unwrap_or_default();
            return Err(AppError::invalid(
                extra.clone(),
                format!("The {extra} field is not allowed next to update."),
            ));
        }
        None => Value::Object(body),
    };
    let patch: SettingsPatch = decode(patch_value)?;
    let settings = patch.apply(program.settings.clone())?;
    let program = state
        .storage
        .update_program_settings(program.id, &settings)
        .await?;
    state.programs.invalidate(program.id);
    Ok(ok(views::private_settings(&program)))
}
