//! Command-line and environment configuration of the demo (clap).

use clap::{Parser, ValueEnum};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

/// How the demo is started: where the shop and the in-process collector listen, where data lives, and the
/// settings of the demo program created on an empty database.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "demo-site",
    about = "A demo shop wired to the referral tracker and collector"
)]
pub struct DemoConfig {
    /// Interface both servers listen on.
    #[arg(long, env = "DEMO_BIND", default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub bind: IpAddr,
    /// Port of the demo shop (0 picks a free port).
    #[arg(long, env = "DEMO_SHOP_PORT", default_value_t = 8080)]
    pub shop_port: u16,
    /// Port of the collector (0 picks a free port).
    #[arg(long, env = "DEMO_COLLECTOR_PORT", default_value_t = 8090)]
    pub collector_port: u16,
    /// Host name the browser uses for the shop. Use `shop.localhost` to try subdomain links in Chrome or
    /// Firefox (`alice.shop.localhost` resolves to the loopback address there).
    #[arg(long, env = "DEMO_SHOP_HOST", default_value = "localhost")]
    pub shop_host: String,
    /// Host name the browser uses for the collector.
    #[arg(long, env = "DEMO_COLLECTOR_HOST", default_value = "127.0.0.1")]
    pub collector_host: String,
    /// Directory holding the SQLite files and the demo program's API key.
    #[arg(long, env = "DEMO_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// Do not create the demo referrer (Alice, `alice@example.com`) on first start.
    #[arg(long = "no-demo-referrer", action = clap::ArgAction::SetFalse)]
    pub demo_referrer: bool,
    /// Settings of the demo program, used only when it is created (first start on an empty data dir).
    #[command(flatten)]
    pub program: DemoProgramOptions,
}

/// The demo program's tracking settings (applied when the program is created).
#[derive(Debug, Clone, clap::Args)]
pub struct DemoProgramOptions {
    /// Program type: `refer-a-friend` (customers refer friends) or `affiliate` (partners refer
    /// customers; the tracker writes the `partnero_partner` cookie).
    #[arg(long, value_enum, default_value_t = ProgramType::ReferAFriend)]
    pub program_type: ProgramType,
    /// Referral link structure: `query` (`/?ref=KEY`), `link` (`/aff/KEY`) or `subdomain`
    /// (`KEY.<shop host>`).
    #[arg(long, value_enum, default_value_t = UrlFormat::Query)]
    pub url_format: UrlFormat,
    /// Also accept `KEY.<shop host>` subdomain links.
    #[arg(long)]
    pub subdomain_links: bool,
    /// Which referrer wins when a visitor follows several links.
    #[arg(long, value_enum, default_value_t = Attribution::First)]
    pub attribution: Attribution,
    /// Cookie lifetime in days; 0 means "lifetime".
    #[arg(long, default_value_t = 30)]
    pub cookie_days: u32,
    /// Hold the referral until the page calls `po('consent','grant')`.
    #[arg(long)]
    pub consent_required: bool,
    /// Reward credited to the referrer, in percent of each confirmed sale.
    #[arg(long, default_value_t = 10)]
    pub reward_percent: u32,
    /// Fixed reward (in dollars) credited to the referrer when a referred friend signs up through the
    /// backend; 0 for none.
    #[arg(long, default_value_t = 0)]
    pub signup_reward: u32,
}

impl Default for DemoProgramOptions {
    fn default() -> Self {
        DemoProgramOptions {
            program_type: ProgramType::ReferAFriend,
            url_format: UrlFormat::Query,
            subdomain_links: false,
            attribution: Attribution::First,
            cookie_days: 30,
            consent_required: false,
            reward_percent: 10,
            signup_reward: 0,
        }
    }
}

/// Refer-a-friend or affiliate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProgramType {
    /// Customers refer friends.
    ReferAFriend,
    /// Partners refer customers.
    Affiliate,
}

/// Referral link structure of the program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UrlFormat {
    /// `https://shop/?ref=KEY`
    Query,
    /// `https://shop/aff/KEY`
    Link,
    /// `https://KEY.shop/` (implies `--subdomain-links`)
    Subdomain,
}

/// First-click keeps the first referrer's cookie; last-click overwrites it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Attribution {
    First,
    Last,
}

impl DemoConfig {
    /// A configuration for tests: both servers on free loopback ports, the shop reached as `shop_host`,
    /// data under `data_dir`.
    pub fn for_tests(shop_host: &str, data_dir: impl Into<PathBuf>) -> Self {
        DemoConfig {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            shop_port: 0,
            collector_port: 0,
            shop_host: shop_host.to_string(),
            collector_host: "127.0.0.1".to_string(),
            data_dir: data_dir.into(),
            demo_referrer: false,
            program: DemoProgramOptions::default(),
        }
    }

    /// The shop's listening address.
    pub fn shop_addr(&self) -> SocketAddr {
        SocketAddr::new(self.bind, self.shop_port)
    }

    /// The collector's listening address.
    pub fn collector_addr(&self) -> SocketAddr {
        SocketAddr::new(self.bind, self.collector_port)
    }
}
