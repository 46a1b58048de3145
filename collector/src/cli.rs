//! The `collector` command line: `serve` (default), `program create`, `key create|revoke`.

use clap::{Args, Parser, Subcommand};

use crate::admin::{self, ProgramSpec};
use crate::config::Config;
use crate::program::{Attribution, CookieTime, ProgramKind, UrlFormat};
use crate::rewards::RewardRules;

/// Command line.
#[derive(Debug, Parser)]
#[command(
    name = "collector",
    version,
    about = "Referral-tracking collector (Partnero-compatible)"
)]
pub struct Cli {
    /// Service configuration (also from the environment).
    #[command(flatten)]
    pub config: Config,
    /// What to do; `serve` when absent.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the service.
    Serve,
    /// Manage programs.
    #[command(subcommand)]
    Program(ProgramCommand),
    /// Manage API keys.
    #[command(subcommand)]
    Key(KeyCommand),
}

/// `collector program ...`
#[derive(Debug, Subcommand)]
pub enum ProgramCommand {
    /// Create a program; prints its public id and an API key (shown once).
    Create(ProgramCreate),
}

/// `collector key ...`
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Create another API key for a program.
    Create {
        /// The program's public id.
        #[arg(long)]
        program: String,
    },
    /// Revoke a key, given in full or by its 11-character prefix (`pk_xxxxxxxx`).
    Revoke {
        /// The key or its prefix.
        key: String,
    },
}

/// Options of `program create`.
#[derive(Debug, Args)]
pub struct ProgramCreate {
    /// `refer-a-friend` or `affiliate`.
    #[arg(long = "type", value_parser = parse_kind)]
    pub kind: ProgramKind,
    /// Program name.
    #[arg(long)]
    pub name: String,
    /// Website URL, e.g. `https://shop.com`.
    #[arg(long)]
    pub website: String,
    /// Further domains (repeatable).
    #[arg(long = "domain")]
    pub extra_domains: Vec<String>,
    /// Additional referral-link domains, as origins such as `https://eu.shop.com` (repeatable).
    #[arg(long = "link-domain")]
    pub link_domains: Vec<String>,
    /// Query parameter name.
    #[arg(long, default_value = "ref")]
    pub query_param: String,
    /// Further query parameters that carry a key (repeatable; default `ref`, `aff` and `via`).
    #[arg(long = "param-alias")]
    pub param_aliases: Vec<String>,
    /// Link path segment.
    #[arg(long, default_value = "aff")]
    pub link_param: String,
    /// `query`, `link` or `subdomain`.
    #[arg(long, default_value = "query", value_parser = parse_url_format)]
    pub url_format: UrlFormat,
    /// Cookie lifetime in days, or `lifetime`.
    #[arg(long = "cookie-days", default_value = "30", value_parser = parse_cookie_time)]
    pub cookie_time: CookieTime,
    /// `first` or `last`.
    #[arg(long, default_value = "first", value_parser = parse_attribution)]
    pub attribution: Attribution,
    /// Enable `KEY.site.com` links.
    #[arg(long)]
    pub subdomain_links: bool,
    /// Hold referrals until consent is granted.
    #[arg(long)]
    pub consent_required: bool,
    /// Honour Global Privacy Control / Do Not Track.
    #[arg(long)]
    pub honor_gpc: bool,
    /// Remove the referral parameter from the address bar.
    #[arg(long)]
    pub clean_url: bool,
    /// Reward rules as JSON (see docs/api.md), e.g. `{"referrer":{"type":"percent","value":10}}`.
    #[arg(long)]
    pub rewards: Option<String>,
    /// Keep this public program id (the one in an existing snippet, e.g. when moving from
    /// Partnero): 1-64 letters, digits, `_` or `-`. Default: a new random 8-character id.
    #[arg(long)]
    pub public_id: Option<String>,
}

fn parse_kind(text: &str) -> Result<ProgramKind, String> {
    ProgramKind::parse(text).ok_or_else(|| "expected refer-a-friend or affiliate".to_owned())
}

fn parse_url_format(text: &str) -> Result<UrlFormat, String> {
    match text {
        "query" => Ok(UrlFormat::Query),
        "link" => Ok(UrlFormat::Link),
        "subdomain" => Ok(UrlFormat::Subdomain),
        _ => Err("expected query, link or subdomain".to_owned()),
    }
}

fn parse_cookie_time(text: &str) -> Result<CookieTime, String> {
    CookieTime::from_json(&serde_json::Value::String(text.to_owned()))
}

fn parse_attribution(text: &str) -> Result<Attribution, String> {
    match text {
        "first" => Ok(Attribution::First),
        "last" => Ok(Attribution::Last),
        _ => Err("expected first or last".to_owned()),
    }
}

impl ProgramCreate {
    /// Converts the options into a spec.
    pub fn into_spec(self) -> anyhow::Result<ProgramSpec> {
        let rewards = match &self.rewards {
            Some(json) => serde_json::from_str::<RewardRules>(json)
                .map_err(|e| anyhow::anyhow!("--rewards: {e}"))?,
            None => RewardRules::default(),
        };
        let mut spec = ProgramSpec::new(self.kind, self.name, self.website);
        spec.extra_domains = self.extra_domains;
        spec.link_domains = self.link_domains;
        spec.query_param = self.query_param;
        if !self.param_aliases.is_empty() {
            spec.param_aliases = self.param_aliases;
        }
        spec.link_param = self.link_param;
        spec.url_format = self.url_format;
        spec.cookie_time = self.cookie_time;
        spec.attribution = self.attribution;
        spec.subdomain_links = self.subdomain_links;
        spec.consent_required = self.consent_required;
        spec.honor_gpc = self.honor_gpc;
        spec.clean_url = self.clean_url;
        spec.rewards = rewards;
        Ok(spec)
    }
}

/// Runs an administrative command against the configured database; returns what to print.
pub async fn run_admin(config: &Config, command: Command) -> anyhow::Result<String> {
    let storage = crate::storage::open(&config.database_url).await?;
    let output = match command {
        Command::Serve => unreachable_serve()?,
        Command::Program(ProgramCommand::Create(options)) => {
            let public_id = options.public_id.clone();
            let spec = options.into_spec()?;
            let created =
                admin::create_program_with_id(storage.as_ref(), spec, public_id.as_deref()).await?;
            format!(
                "program id: {}\napi key:    {}\n(the API key is shown only once)",
                created.public_id, created.api_key
            )
        }
        Command::Key(KeyCommand::Create { program }) => {
            let key = admin::create_api_key(storage.as_ref(), &program).await?;
            format!("api key: {key}\n(the API key is shown only once)")
        }
        Command::Key(KeyCommand::Revoke { key }) => {
            admin::revoke_api_key(storage.as_ref(), &key).await?;
            "revoked".to_owned()
        }
    };
    storage.close().await;
    Ok(output)
}

fn unreachable_serve() -> anyhow::Result<String> {
    anyhow::bail!("`serve` is not an administrative command")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    async fn admin(db: &str, args: &[&str]) -> anyhow::Result<String> {
        let argv = ["collector", "--database-url", db]
            .into_iter()
            .chain(args.iter().copied());
        let cli = Cli::parse_from(argv);
        run_admin(&cli.config, cli.command.expect("a command")).await
    }

    /// `program create --public-id` keeps a snippet's id; a taken or malformed id is refused.
    #[tokio::test]
    async fn program_create_keeps_a_given_public_id() {
        let dir = tempfile::tempdir().unwrap();
        let db = format!("sqlite://{}", dir.path().join("c.db").display());
        let create = |id: &'static str| {
            let db = db.clone();
            async move {
                let args = [
                    "program",
                    "create",
                    "--type",
                    "affiliate",
                    "--name",
                    "Shop",
                    "--website",
                    "https://shop.test",
                    "--public-id",
                    id,
                ];
                admin(&db, &args).await
            }
        };
        let output = create("Pn_3xY-42").await.unwrap();
        assert!(output.starts_with("program id: Pn_3xY-42\n"), "{output}");
        let taken = create("Pn_3xY-42").await.unwrap_err();
        assert!(
            format!("{taken:#}").contains("already uses this id"),
            "{taken:#}"
        );
        let malformed = create("not/an id").await.unwrap_err();
        assert!(
            format!("{malformed:#}").contains("program id must be"),
            "{malformed:#}"
        );
        let storage = crate::storage::open(&db).await.unwrap();
        let program = storage.program_by_public_id("Pn_3xY-42").await.unwrap();
        assert_eq!(program.unwrap().kind, ProgramKind::Affiliate);
        storage.close().await;
    }
}
