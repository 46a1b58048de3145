//! The demo program: created in the collector on first start, its public id and API key saved under the
//! data directory (the collector keeps API keys hashed only), and re-used on later starts.

use crate::config::{Attribution, DemoProgramOptions, ProgramType, UrlFormat};
use anyhow::{Context, Result};
use collector::admin::ProgramSpec;
use collector::program::{self, CookieTime, ProgramKind};
use collector::rewards::{FixedReward, RewardKind, RewardRules, SaleReward};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// File (under the data directory) holding the demo program's credentials.
pub const PROGRAM_FILE: &str = "demo-program.json";

/// The demo program's credentials.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DemoProgram {
    /// Public id used in the snippet.
    pub public_id: String,
    /// API key for `/v1/...` (keep it secret).
    pub api_key: String,
    /// The website the program was created for.
    pub website: String,
}

/// Where the credentials are saved.
pub fn program_file(data_dir: &Path) -> PathBuf {
    data_dir.join(PROGRAM_FILE)
}

/// Loads the saved program when it still works with this collector, otherwise creates a new one and
/// saves it.
pub async fn ensure_program(
    collector: &collector::Running,
    data_dir: &Path,
    website: &str,
    options: &DemoProgramOptions,
) -> Result<DemoProgram> {
    let file = program_file(data_dir);
    if let Some(saved) = load(&file)? {
        if credentials_work(&collector.base_url(), &saved.api_key).await {
            if saved.website != website {
                tracing::warn!(
                    saved = %saved.website,
                    now = %website,
                    "the demo program was created for another shop URL; its referral links point there \
                     (delete the data directory to start over)"
                );
            }
            return Ok(saved);
        }
        tracing::warn!(file = %file.display(), "the saved demo program is unknown to the collector; creating a new one");
    }
    let spec = program_spec(website, options);
    let created = collector::admin::create_program(&*collector.storage(), spec)
        .await
        .context("creating the demo program")?;
    let program = DemoProgram {
        public_id: created.public_id,
        api_key: created.api_key,
        website: website.to_string(),
    };
    save(&file, &program)?;
    Ok(program)
}

/// The demo program (refer-a-friend unless `options` say affiliate) for the shop at `website`.
pub fn program_spec(website: &str, options: &DemoProgramOptions) -> ProgramSpec {
    ProgramSpec {
        url_format: match options.url_format {
            UrlFormat::Query => program::UrlFormat::Query,
            UrlFormat::Link => program::UrlFormat::Link,
            UrlFormat::Subdomain => program::UrlFormat::Subdomain,
        },
        cookie_time: match options.cookie_days {
            0 => CookieTime::Lifetime,
            days => CookieTime::Days(days),
        },
        attribution: match options.attribution {
            Attribution::First => program::Attribution::First,
            Attribution::Last => program::Attribution::Last,
        },
        subdomain_links: options.subdomain_links,
        consent_required: options.consent_required,
        rewards: RewardRules {
            referrer: Some(SaleReward {
                kind: RewardKind::Percent,
                value: i64::from(options.reward_percent) * 100,
                limit_sales: None,
                limit_months: None,
            }),
            referrer_signup: (options.signup_reward > 0).then(|| FixedReward {
                amount: i64::from(options.signup_reward) * 100,
                amount_units: None,
                is_currency: None,
            }),
            ..RewardRules::default()
        },
        ..match options.program_type {
            ProgramType::ReferAFriend => ProgramSpec::new(
                ProgramKind::ReferAFriend,
                "Demo Shop refer-a-friend",
                website,
            ),
            ProgramType::Affiliate => {
                ProgramSpec::new(ProgramKind::Affiliate, "Demo Shop affiliates", website)
            }
        }
    }
}

/// Whether `GET /v1/test` accepts the key.
async fn credentials_work(collector_url: &str, api_key: &str) -> bool {
    let answer = reqwest::Client::new()
        .get(format!("{}/v1/test", collector_url.trim_end_matches('/')))
        .bearer_auth(api_key)
        .send()
        .await;
    matches!(answer, Ok(response) if response.status().is_success())
}

fn load(file: &Path) -> Result<Option<DemoProgram>> {
    match std::fs::read(file) {
        Ok(bytes) => {
            let program = serde_json::from_slice(&bytes)
                .with_context(|| format!("reading {}", file.display()))?;
            Ok(Some(program))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {}", file.display())),
    }
}

fn save(file: &Path, program: &DemoProgram) -> Result<()> {
    let text = serde_json::to_string_pretty(program)?;
    std::fs::write(file, text).with_context(|| format!("writing {}", file.display()))?;
    restrict_permissions(file);
    Ok(())
}

#[cfg(unix)]
fn restrict_permissions(file: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600));
}

#[cfg(not(unix))]
fn restrict_permissions(_file: &Path) {}
