//! Link analytics: the requested date range and the per-day series built from a link's events.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use time::{Date, Duration, OffsetDateTime};

use crate::affiliate::model::{LinkEvent, LinkTotals};
use crate::model::UnitAmount;
use crate::money;

/// Days in the default range (ending today).
pub const DEFAULT_DAYS: i64 = 30;
/// Longest range.
pub const MAX_DAYS: i64 = 366;

/// An inclusive range of UTC days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayRange {
    /// First day.
    pub from: Date,
    /// Last day.
    pub to: Date,
}

impl DayRange {
    /// Parses optional `from`/`to` (`YYYY-MM-DD`); the default is the last 30 days up to `today`.
    pub fn parse(
        from: Option<&str>,
        to: Option<&str>,
        today: Date,
    ) -> Result<Self, (&'static str, String)> {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let parse = |name: &'static str, text: &str| {
            Date::parse(text, &format)
                .ok()
                .filter(|date| (1970..=9000).contains(&date.year()))
                .ok_or_else(|| (name, format!("The {name} must be a date (YYYY-MM-DD).")))
        };
        let to = match to {
            Some(text) => parse("to", text)?,
            None => today,
        };
        let from = match from {
            Some(text) => parse("from", text)?,
            None => to - Duration::days(DEFAULT_DAYS - 1),
        };
        if from > to {
            return Err((
                "from",
                "The from date must not be after the to date.".to_owned(),
            ));
        }
        if (to - from).whole_days() >= MAX_DAYS {
            return Err((
                "from",
                format!("The range may span at most {MAX_DAYS} days."),
            ));
        }
        Ok(Self { from, to })
    }

    /// The first instant of the range.
    pub fn start(&self) -> OffsetDateTime {
        self.from.midnight().assume_utc()
    }

    /// The first instant after the range.
    pub fn end(&self) -> OffsetDateTime {
        (self.to + Duration::days(1)).midnight().assume_utc()
    }
}

#[derive(Default)]
struct Day {
    clicks: i64,
    unique_clicks: i64,
    leads: i64,
    conversions: i64,
    revenue: BTreeMap<(String, bool), i64>,
}

fn amounts(map: &BTreeMap<(String, bool), i64>) -> Value {
    map.iter()
        .map(|((units, is_currency), minor)| {
            json!({"amount": money::to_json(*minor), "amount_units": units, "is_currency": is_currency})
        })
        .collect()
}

/// Unit amounts as JSON.
pub fn unit_amounts(list: &[UnitAmount]) -> Value {
    amounts(
        &list
            .iter()
            .map(|a| ((a.amount_units.clone(), a.is_currency), a.amount_minor))
            .collect(),
    )
}

/// The `stats` object of a link: totals and one entry per day of the range.
pub fn stats(totals: &LinkTotals, range: DayRange) -> Value {
    let mut days: BTreeMap<Date, Day> = BTreeMap::new();
    let mut day = range.from;
    while day <= range.to {
        days.insert(day, Day::default());
        day += Duration::days(1);
    }
    for (at, event) in &totals.events {
        let Some(entry) = days.get_mut(&at.date()) else {
            continue;
        };
        match event {
            LinkEvent::Click(unique) => {
                entry.clicks += 1;
                entry.unique_clicks += i64::from(*unique);
            }
            LinkEvent::Lead => entry.leads += 1,
            LinkEvent::Conversion(amount) => {
                entry.conversions += 1;
                *entry
                    .revenue
                    .entry((amount.amount_units.clone(), amount.is_currency))
                    .or_default() += amount.amount_minor;
            }
        }
    }
    let daily: Vec<Value> = days
        .iter()
        .map(|(date, day)| {
            json!({
                "date": date.to_string(),
                "clicks": day.clicks,
                "unique_clicks": day.unique_clicks,
                "leads": day.leads,
                "conversions": day.conversions,
                "revenue": amounts(&day.revenue),
            })
        })
        .collect();
    json!({
        "clicks": totals.clicks,
        "unique_clicks": totals.unique_clicks,
        "leads": totals.leads,
        "conversions": totals.conversions,
        "revenue": unit_amounts(&totals.revenue),
        "from": range.from.to_string(),
        "to": range.to.to_string(),
        "daily": daily,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn ranges_and_series() {
        let today = date!(2025 - 05 - 09);
        let range = DayRange::parse(None, None, today).unwrap();
        assert_eq!(range.from, date!(2025 - 04 - 10));
        assert!(DayRange::parse(Some("2025-05-10"), Some("2025-05-09"), today).is_err());
        assert!(DayRange::parse(Some("x"), None, today).is_err());
        assert!(DayRange::parse(None, Some("9999-12-31"), today).is_err());
        assert!(DayRange::parse(Some("0001-01-01"), Some("0001-01-02"), today).is_err());
        assert!(DayRange::parse(Some("2020-01-01"), None, today).is_err());
        let range = DayRange::parse(Some("2025-05-08"), Some("2025-05-09"), today).unwrap();
        let usd = |minor| UnitAmount {
            amount_units: "usd".into(),
            is_currency: true,
            amount_minor: minor,
        };
        let totals = LinkTotals {
            clicks: 3,
            unique_clicks: 2,
            leads: 1,
            conversions: 1,
            revenue: vec![usd(4_900)],
            events: vec![
                (datetime!(2025-05-08 10:00 UTC), LinkEvent::Click(true)),
                (datetime!(2025-05-09 10:00 UTC), LinkEvent::Click(false)),
                (datetime!(2025-05-09 11:00 UTC), LinkEvent::Lead),
                (
                    datetime!(2025-05-09 12:00 UTC),
                    LinkEvent::Conversion(usd(4_900)),
                ),
            ],
        };
        let value = stats(&totals, range);
        assert_eq!(value["daily"].as_array().unwrap().len(), 2);
        assert_eq!(value["daily"][0]["unique_clicks"], 1);
        assert_eq!(value["daily"][1]["clicks"], 1);
        assert_eq!(value["daily"][1]["revenue"][0]["amount"], 49);
        assert_eq!(value["revenue"][0]["amount"], 49);
    }
}
