//! What a partner earns on a sale: the program's `referrer` reward rule (percentage or fixed,
//! limited to the first N sales or N months of each referred customer) applied to API sales.

use crate::rewards::{self, RewardRules, SaleContext};

/// A commission to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommissionDraft {
    /// Hundredths.
    pub amount_minor: i64,
    /// Unit.
    pub amount_units: String,
    /// Currency or points.
    pub is_currency: bool,
}

/// The partner's commission on a sale, if the rules grant one.
pub fn commission(rules: &RewardRules, sale: &SaleContext) -> Option<CommissionDraft> {
    let only_partner = RewardRules {
        referrer: rules.referrer.clone(),
        referred: None,
        referrer_signup: None,
        ..rules.clone()
    };
    rewards::sale_rewards(&only_partner, sale)
        .into_iter()
        .next()
        .map(|draft| CommissionDraft {
            amount_minor: draft.amount_minor,
            amount_units: draft.amount_units,
            is_currency: draft.is_currency,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rewards::{RewardKind, SaleReward};

    fn sale(prior_sales: u32, months: u32) -> SaleContext {
        SaleContext {
            amount_minor: 4_900,
            amount_units: "usd".into(),
            is_currency: true,
            prior_sales,
            months_since_signup: months,
        }
    }

    #[test]
    fn percentage_fixed_and_limits() {
        let mut rules = RewardRules {
            referrer: Some(SaleReward {
                kind: RewardKind::Percent,
                value: 2_000,
                limit_sales: Some(2),
                limit_months: Some(6),
            }),
            referred: Some(SaleReward {
                kind: RewardKind::Fixed,
                value: 100,
                limit_sales: None,
                limit_months: None,
            }),
            ..RewardRules::default()
        };
        assert_eq!(commission(&rules, &sale(0, 0)).unwrap().amount_minor, 980);
        assert!(commission(&rules, &sale(2, 0)).is_none());
        assert!(commission(&rules, &sale(0, 6)).is_none());
        rules.referrer.as_mut().unwrap().kind = RewardKind::Fixed;
        assert_eq!(commission(&rules, &sale(1, 1)).unwrap().amount_minor, 2_000);
        rules.referrer = None;
        assert!(commission(&rules, &sale(0, 0)).is_none());
    }
}
