//! Reward rules and the pure computation of the rewards a sale or sign-up earns.

use serde::{Deserialize, Serialize};

use crate::money;

/// Per-program reward rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RewardRules {
    /// What the referring customer earns per sale of a referred customer.
    #[serde(default)]
    pub referrer: Option<SaleReward>,
    /// What the referring customer earns when a referred customer signs up (API sign-ups only).
    #[serde(default)]
    pub referrer_signup: Option<FixedReward>,
    /// What the referred friend earns on their own sales.
    #[serde(default)]
    pub referred: Option<SaleReward>,
    /// When true, rewards are recorded as `pending` and never credited automatically.
    #[serde(default)]
    pub manual: bool,
    /// Currency code used when a transaction or reward names none.
    #[serde(default = "default_currency")]
    pub currency: String,
}

fn default_currency() -> String {
    "usd".to_owned()
}

impl Default for RewardRules {
    fn default() -> Self {
        Self {
            referrer: None,
            referrer_signup: None,
            referred: None,
            manual: false,
            currency: default_currency(),
        }
    }
}

/// Percentage or fixed amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RewardKind {
    /// `value` is a percentage of the sale amount.
    Percent,
    /// `value` is an amount in the sale's unit.
    Fixed,
}

/// A reward per sale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SaleReward {
    /// Percentage or fixed.
    #[serde(rename = "type")]
    pub kind: RewardKind,
    /// Percentage (e.g. `12.5`) or amount, stored in hundredths.
    #[serde(with = "hundredths")]
    pub value: i64,
    /// Only the first N sales of each referred customer earn this reward.
    #[serde(default)]
    pub limit_sales: Option<u32>,
    /// Only sales within N months of the referred customer's sign-up earn this reward.
    #[serde(default)]
    pub limit_months: Option<u32>,
}

/// A fixed amount.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixedReward {
    /// Amount in hundredths.
    #[serde(with = "hundredths")]
    pub amount: i64,
    /// Unit (currency code or e.g. `points`, stored lowercase); the program currency when absent.
    #[serde(default)]
    pub amount_units: Option<String>,
    /// Whether the unit is money (default `true`); `false` for points and the like, so that these
    /// rewards share a balance with sales counted in the same non-money unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_currency: Option<bool>,
}

/// Serde for amounts kept in hundredths and written as plain JSON numbers.
mod hundredths {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &i64, serializer: S) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(&crate::money::to_json(*value), serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        crate::money::parse_amount(&value).map_err(serde::de::Error::custom)
    }
}

impl RewardRules {
    /// Checks limits that serde cannot express.
    /// Unit codes in their stored form (lowercase), as balances are kept per unit.
    pub fn normalize(&mut self) {
        self.currency = self.currency.to_ascii_lowercase();
        if let Some(units) = self
            .referrer_signup
            .as_mut()
            .and_then(|rule| rule.amount_units.as_mut())
        {
            *units = units.to_ascii_lowercase();
        }
    }

    pub fn validate(&self) -> Result<(), (String, String)> {
        for (name, rule) in [("referrer", &self.referrer), ("referred", &self.referred)] {
            if let Some(rule) = rule {
                if rule.kind == RewardKind::Percent && rule.value > 10_000 {
                    return Err((
                        format!("rewards.{name}.value"),
                        "A percentage reward must be between 0 and 100.".to_owned(),
                    ));
                }
                if rule.limit_sales == Some(0) || rule.limit_months == Some(0) {
                    return Err((
                        format!("rewards.{name}"),
                        "Limits must be at least 1 when present.".to_owned(),
                    ));
                }
            }
        }
        if let Some(units) = self
            .referrer_signup
            .as_ref()
            .and_then(|rule| rule.amount_units.as_deref())
            && !crate::validation::is_valid_unit(units)
        {
            return Err((
                "rewards.referrer_signup.amount_units".to_owned(),
                "The unit must be 1-16 letters, digits or underscores.".to_owned(),
            ));
        }
        if !crate::validation::is_valid_unit(&self.currency) {
            return Err((
                "rewards.currency".to_owned(),
                "The currency must be 1-16 letters, digits or underscores.".to_owned(),
            ));
        }
        Ok(())
    }
}

/// Who receives a reward.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipient {
    /// The referring customer.
    Referrer,
    /// The referred friend.
    Referred,
}

impl Recipient {
    /// Stored/rendered name.
    pub fn as_str(self) -> &'static str {
        match self {
            Recipient::Referrer => "referrer",
            Recipient::Referred => "referred",
        }
    }
}

/// What earned a reward.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// A sale.
    Sale,
    /// A referred sign-up.
    Signup,
}

impl Trigger {
    /// Stored/rendered name.
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Sale => "sale",
            Trigger::Signup => "signup",
        }
    }
}

/// A reward to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RewardDraft {
    /// Who gets it.
    pub recipient: Recipient,
    /// What earned it.
    pub trigger: Trigger,
    /// Amount in hundredths.
    pub amount_minor: i64,
    /// Unit.
    pub amount_units: String,
    /// Whether the unit is a currency.
    pub is_currency: bool,
}

/// What the computation needs to know about a sale.
#[derive(Debug, Clone)]
pub struct SaleContext {
    /// Sale amount in hundredths.
    pub amount_minor: i64,
    /// Sale unit.
    pub amount_units: String,
    /// Whether the unit is a currency.
    pub is_currency: bool,
    /// Earlier (not refunded) API sales of the same referred customer.
    pub prior_sales: u32,
    /// Whole months between the referred customer's sign-up and this sale.
    pub months_since_signup: u32,
}

/// Rewards earned by a sale of a referred customer (call only when the buyer has a referrer).
pub fn sale_rewards(rules: &RewardRules, sale: &SaleContext) -> Vec<RewardDraft> {
    let mut drafts = Vec::new();
    for (recipient, rule) in [
        (Recipient::Referrer, &rules.referrer),
        (Recipient::Referred, &rules.referred),
    ] {
        let Some(rule) = rule else { continue };
        if rule
            .limit_sales
            .is_some_and(|limit| sale.prior_sales >= limit)
        {
            continue;
        }
        if rule
            .limit_months
            .is_some_and(|limit| sale.months_since_signup >= limit)
        {
            continue;
        }
        let amount_minor = match rule.kind {
            RewardKind::Percent => percent_of(sale.amount_minor, rule.value),
            RewardKind::Fixed => rule.value,
        };
        if amount_minor > 0 {
            drafts.push(RewardDraft {
                recipient,
                trigger: Trigger::Sale,
                amount_minor,
                amount_units: sale.amount_units.clone(),
                is_currency: sale.is_currency,
            });
        }
    }
    drafts
}

/// The referrer's reward for a referred sign-up, if any.
pub fn signup_reward(rules: &RewardRules) -> Option<RewardDraft> {
    let rule = rules.referrer_signup.as_ref()?;
    (rule.amount > 0).then(|| RewardDraft {
        recipient: Recipient::Referrer,
        trigger: Trigger::Signup,
        amount_minor: rule.amount,
        amount_units: rule
            .amount_units
            .clone()
            .unwrap_or_else(|| rules.currency.clone()),
        is_currency: rule.is_currency.unwrap_or(true),
    })
}

/// `amount * percent / 100`, both in hundredths, rounded half up.
pub fn percent_of(amount_minor: i64, percent_hundredths: i64) -> i64 {
    let product = i128::from(amount_minor) * i128::from(percent_hundredths);
    ((product + 5_000) / 10_000) as i64
}

/// Whole calendar months from `start` to `end` (0 when `end` is earlier).
pub fn whole_months_between(start: time::OffsetDateTime, end: time::OffsetDateTime) -> u32 {
    if end <= start {
        return 0;
    }
    let mut months = (end.year() - start.year()) * 12 + (end.month() as i32 - start.month() as i32);
    if (end.day(), end.time()) < (start.day(), start.time()) {
        months -= 1;
    }
    months.max(0) as u32
}

/// Formats an amount for logs.
pub fn describe(draft: &RewardDraft) -> String {
    format!(
        "{} {} {} ({})",
        draft.recipient.as_str(),
        money::to_decimal_string(draft.amount_minor),
        draft.amount_units,
        draft.trigger.as_str()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn sale(amount_minor: i64, prior_sales: u32, months: u32) -> SaleContext {
        SaleContext {
            amount_minor,
            amount_units: "usd".into(),
            is_currency: true,
            prior_sales,
            months_since_signup: months,
        }
    }

    fn percent(value: i64) -> SaleReward {
        SaleReward {
            kind: RewardKind::Percent,
            value,
            limit_sales: None,
            limit_months: None,
        }
    }

    #[test]
    fn percentage_rounds_half_up() {
        assert_eq!(percent_of(10_000, 1_000), 1_000);
        assert_eq!(percent_of(999, 1_250), 125); // 124.875 → 125
        assert_eq!(percent_of(1, 5_000), 1); // 0.5 → 1
        assert_eq!(percent_of(0, 5_000), 0);
    }

    #[test]
    fn referrer_and_referred_rewards() {
        let rules = RewardRules {
            referrer: Some(percent(2_000)),
            referred: Some(SaleReward {
                kind: RewardKind::Fixed,
                value: 500,
                limit_sales: Some(1),
                limit_months: None,
            }),
            ..RewardRules::default()
        };
        let first = sale_rewards(&rules, &sale(10_000, 0, 0));
        assert_eq!(first.len(), 2);
        assert_eq!(first[0].recipient, Recipient::Referrer);
        assert_eq!(first[0].amount_minor, 2_000);
        assert_eq!(first[1].recipient, Recipient::Referred);
        assert_eq!(first[1].amount_minor, 500);
        let second = sale_rewards(&rules, &sale(10_000, 1, 0));
        assert_eq!(second.len(), 1);
        assert_eq!(second[0].recipient, Recipient::Referrer);
    }

    #[test]
    fn limits_stop_rewards() {
        let rules = RewardRules {
            referrer: Some(SaleReward {
                limit_sales: Some(2),
                limit_months: Some(3),
                ..percent(1_000)
            }),
            ..RewardRules::default()
        };
        assert_eq!(sale_rewards(&rules, &sale(1_000, 1, 2)).len(), 1);
        assert!(sale_rewards(&rules, &sale(1_000, 2, 0)).is_empty());
        assert!(sale_rewards(&rules, &sale(1_000, 0, 3)).is_empty());
    }

    #[test]
    fn signup_reward_uses_program_currency() {
        let rules = RewardRules {
            referrer_signup: Some(FixedReward {
                amount: 300,
                amount_units: None,
                is_currency: None,
            }),
            currency: "eur".into(),
            ..RewardRules::default()
        };
        let draft = signup_reward(&rules).unwrap();
        assert_eq!(draft.amount_minor, 300);
        assert_eq!(draft.amount_units, "eur");
        assert!(draft.is_currency);
        assert!(signup_reward(&RewardRules::default()).is_none());
    }

    /// Units are stored lowercase and checked; a points reward says it is not money.
    #[test]
    fn signup_reward_units_are_normalised_and_checked() {
        let mut rules: RewardRules = serde_json::from_value(serde_json::json!({
            "referrer_signup": {"amount": 5, "amount_units": "POINTS", "is_currency": false},
            "currency": "USD"
        }))
        .unwrap();
        rules.normalize();
        assert_eq!(rules.currency, "usd");
        let draft = signup_reward(&rules).unwrap();
        assert_eq!(
            (draft.amount_units.as_str(), draft.is_currency),
            ("points", false)
        );
        assert!(rules.validate().is_ok());
        let bad: RewardRules = serde_json::from_value(serde_json::json!({
            "referrer_signup": {"amount": 5, "amount_units": ""}
        }))
        .unwrap();
        assert_eq!(
            bad.validate().unwrap_err().0,
            "rewards.referrer_signup.amount_units"
        );
    }

    #[test]
    fn months_between_dates() {
        let start = datetime!(2025-01-31 12:00 UTC);
        assert_eq!(
            whole_months_between(start, datetime!(2025-02-28 12:00 UTC)),
            0
        );
        assert_eq!(
            whole_months_between(start, datetime!(2025-03-31 12:00 UTC)),
            2
        );
        assert_eq!(
            whole_months_between(start, datetime!(2024-03-31 12:00 UTC)),
            0
        );
    }

    #[test]
    fn rules_parse_from_json() {
        let rules: RewardRules = serde_json::from_value(serde_json::json!({
            "referrer": {"type": "percent", "value": 12.5, "limit_sales": 3},
            "referrer_signup": {"amount": 5},
            "manual": true
        }))
        .unwrap();
        assert_eq!(rules.referrer.as_ref().unwrap().value, 1_250);
        assert_eq!(rules.currency, "usd");
        assert!(rules.validate().is_ok());
        let too_much: RewardRules = serde_json::from_value(
            serde_json::json!({"referrer": {"type": "percent", "value": 101}}),
        )
        .unwrap();
        assert!(too_much.validate().is_err());
    }
}
