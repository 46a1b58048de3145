//! Program and API-key administration, used by the CLI, the demo bootstrap and tests.

use crate::error::AppError;
use crate::extract::hash_api_key;
use crate::ids;
use crate::program::{Attribution, CookieTime, Program, ProgramKind, ProgramSettings, UrlFormat};
use crate::rewards::RewardRules;
use crate::settings;
use crate::storage::Storage;

/// What a new program looks like.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgramSpec {
    /// Refer-a-friend or affiliate.
    pub kind: ProgramKind,
    /// Display name.
    pub name: String,
    /// Website URL, e.g. `http://shop.test:3000`.
    pub website: String,
    /// Further registrable domains.
    pub extra_domains: Vec<String>,
    /// Additional referral-link domains (origins).
    pub link_domains: Vec<String>,
    /// Query parameter (default `ref`).
    pub query_param: String,
    /// Further query parameters read for a key (default `ref`, `aff`, `via`).
    pub param_aliases: Vec<String>,
    /// Link path segment (default `aff`).
    pub link_param: String,
    /// Link format (default query).
    pub url_format: UrlFormat,
    /// Cookie lifetime (default 30 days).
    pub cookie_time: CookieTime,
    /// First or last touch (default first).
    pub attribution: Attribution,
    /// Subdomain links.
    pub subdomain_links: bool,
    /// Hold the referral until consent.
    pub consent_required: bool,
    /// Honour GPC/DNT.
    pub honor_gpc: bool,
    /// Clean the URL after capture.
    pub clean_url: bool,
    /// Reward rules.
    pub rewards: RewardRules,
}

impl ProgramSpec {
    /// A spec with the default settings.
    pub fn new(kind: ProgramKind, name: impl Into<String>, website: impl Into<String>) -> Self {
        Self {
            kind,
            name: name.into(),
            website: website.into(),
            extra_domains: Vec::new(),
            link_domains: Vec::new(),
            query_param: "ref".to_owned(),
            param_aliases: crate::program::default_param_aliases(),
            link_param: "aff".to_owned(),
            url_format: UrlFormat::Query,
            cookie_time: CookieTime::Days(30),
            attribution: Attribution::First,
            subdomain_links: false,
            consent_required: false,
            honor_gpc: false,
            clean_url: false,
            rewards: RewardRules::default(),
        }
    }

    /// The stored settings (website and domains normalized, reward units lowercased).
    pub(crate) fn into_settings(self) -> ProgramSettings {
        ProgramSettings {
            name: self.name,
            website: self.website.trim().trim_end_matches('/').to_owned(),
            extra_domains: self
                .extra_domains
                .iter()
                .map(|d| crate::domains::normalize_host(d))
                .collect(),
            link_domains: self
                .link_domains
                .iter()
                .map(|url| url.trim().trim_end_matches('/').to_owned())
                .collect(),
            query_param: self.query_param,
            param_aliases: self.param_aliases,
            link_param: self.link_param,
            url_format: self.url_format,
            cookie_time: self.cookie_time,
            attribution: self.attribution,
            subdomain_links: self.subdomain_links,
            consent_required: self.consent_required,
            honor_gpc: self.honor_gpc,
            clean_url: self.clean_url,
            rewards: {
                let mut rewards = self.rewards;
                rewards.normalize();
                rewards
            },
        }
    }
}

/// A freshly created program.
#[derive(Debug, Clone)]
pub struct CreatedProgram {
    /// The 8-character public id for the snippet.
    pub public_id: String,
    /// The API key in plain text; shown once, stored hashed.
    pub api_key: String,
    /// The stored program.
    pub program: Program,
}

/// The stored prefix of a key (`pk_` + 8 characters) used to revoke it by prefix.
pub fn key_prefix(key: &str) -> String {
    key.chars().take(11).collect()
}

/// Creates a program and its first API key.
pub async fn create_program(
    storage: &dyn Storage,
    spec: ProgramSpec,
) -> Result<CreatedProgram, AppError> {
    create_program_with_id(storage, spec, None).await
}

/// Creates a program with the given public id (one already in a site's snippet), or a random
/// one; and its first API key.
pub async fn create_program_with_id(
    storage: &dyn Storage,
    spec: ProgramSpec,
    given_id: Option<&str>,
) -> Result<CreatedProgram, AppError> {
    let kind = spec.kind;
    let settings = spec.into_settings();
    settings::validate(&settings)?;
    if let Some(id) = given_id
        && !ids::is_program_public_id(id)
    {
        return Err(AppError::invalid(
            "public_id",
            "The program id must be 1-64 letters, digits, _ or -.",
        ));
    }
    let api_key = ids::api_key();
    // Retry on the (unlikely) collision of a random id.
    for _ in 0..5 {
        let public_id = given_id.map_or_else(ids::program_public_id, str::to_owned);
        match storage
            .create_program(
                &public_id,
                kind,
                &settings,
                &key_prefix(&api_key),
                &hash_api_key(&api_key),
            )
            .await
        {
            Ok(program) => {
                return Ok(CreatedProgram {
                    public_id,
                    api_key,
                    program,
                });
            }
            Err(crate::storage::StorageError::Conflict { .. }) if given_id.is_none() => continue,
            Err(crate::storage::StorageError::Conflict { .. }) => {
                return Err(AppError::conflict(
                    "public_id",
                    "Another program already uses this id.",
                ));
            }
            Err(error) => return Err(error.into()),
        }
    }
    Err(AppError::internal("could not allocate a unique program id"))
}

/// Adds an API key to a program; returns the plain key (shown once).
pub async fn create_api_key(storage: &dyn Storage, public_id: &str) -> Result<String, AppError> {
    let program = storage
        .program_by_public_id(public_id)
        .await?
        .ok_or_else(|| AppError::not_found("Program"))?;
    let api_key = ids::api_key();
    storage
        .add_api_key(program.id, &key_prefix(&api_key), &hash_api_key(&api_key))
        .await?;
    Ok(api_key)
}

/// Revokes an API key given in full or by its 11-character prefix (`pk_xxxxxxxx`).
pub async fn revoke_api_key(storage: &dyn Storage, key_or_prefix: &str) -> Result<(), AppError> {
    let key_or_prefix = key_or_prefix.trim();
    let prefix = if key_or_prefix.len() == 11 {
        key_or_prefix.to_owned()
    } else {
        // A full key never matches a prefix; use a value no prefix can equal.
        String::from("\u{0}")
    };
    let revoked = storage
        .revoke_api_keys(&hash_api_key(key_or_prefix), &prefix)
        .await?;
    if revoked == 0 {
        return Err(AppError::not_found("API key"));
    }
    Ok(())
}
