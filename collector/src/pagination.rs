//! `limit`/`page` parsing and the `links`/`meta` block of list responses.

use serde_json::{Value, json};

/// Default page size.
pub const DEFAULT_LIMIT: u32 = 15;
/// Largest page size.
pub const MAX_LIMIT: u32 = 250;

/// A requested page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// Items per page, 1–250.
    pub limit: u32,
    /// 1-based page number.
    pub page: u32,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            limit: DEFAULT_LIMIT,
            page: 1,
        }
    }
}

impl PageRequest {
    /// Rows to skip.
    pub fn offset(&self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.limit)
    }

    /// Parses `limit` and `page` (numbers or numeric strings).
    pub fn parse(
        limit: Option<&Value>,
        page: Option<&Value>,
    ) -> Result<Self, (&'static str, String)> {
        let limit = match limit {
            None | Some(Value::Null) => DEFAULT_LIMIT,
            Some(value) => whole_number(value)
                .filter(|n| (1..=u64::from(MAX_LIMIT)).contains(n))
                .ok_or((
                    "limit",
                    format!("The limit must be an integer between 1 and {MAX_LIMIT}."),
                ))? as u32,
        };
        let page = match page {
            None | Some(Value::Null) => 1,
            Some(value) => whole_number(value)
                .filter(|n| (1..=1_000_000).contains(n))
                .ok_or(("page", "The page must be a positive integer.".to_owned()))?
                as u32,
        };
        Ok(Self { limit, page })
    }
}

fn whole_number(value: &Value) -> Option<u64> {
    match value {
        Value::Number(number) => number.as_u64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// Builds the paginated response body: `data`, `links`, `meta`, `status`.
pub fn paginated(items: Vec<Value>, total: i64, request: PageRequest, path: &str) -> Value {
    let limit = i64::from(request.limit);
    let current = i64::from(request.page);
    let last_page = ((total + limit - 1) / limit).max(1);
    let count = items.len() as i64;
    let from = (count > 0).then(|| request.offset() + 1);
    let to = (count > 0).then(|| request.offset() + count);
    let url = |page: i64| format!("{path}?limit={limit}&page={page}");
    json!({
        "data": items,
        "links": {
            "first": url(1),
            "last": url(last_page),
            "prev": (current > 1).then(|| url((current - 1).min(last_page))),
            "next": (current < last_page).then(|| url(current + 1)),
        },
        "meta": {
            "current_page": current,
            "from": from,
            "last_page": last_page,
            "path": path,
            "per_page": limit,
            "to": to,
            "total": total,
        },
        "status": 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        assert_eq!(
            PageRequest::parse(None, None).unwrap(),
            PageRequest::default()
        );
        assert_eq!(
            PageRequest::parse(Some(&json!("5")), Some(&json!(2))).unwrap(),
            PageRequest { limit: 5, page: 2 }
        );
        assert_eq!(
            PageRequest::parse(Some(&json!(0)), None).unwrap_err().0,
            "limit"
        );
        assert_eq!(
            PageRequest::parse(Some(&json!(251)), None).unwrap_err().0,
            "limit"
        );
        assert_eq!(
            PageRequest::parse(None, Some(&json!(-1))).unwrap_err().0,
            "page"
        );
        assert_eq!(
            PageRequest::parse(None, Some(&json!("x"))).unwrap_err().0,
            "page"
        );
        assert_eq!(
            PageRequest::parse(None, Some(&json!(1.5))).unwrap_err().0,
            "page"
        );
    }

    #[test]
    fn links_and_meta() {
        let body = paginated(
            vec![json!(1), json!(2)],
            5,
            PageRequest { limit: 2, page: 2 },
            "http://x/v1/c",
        );
        assert_eq!(body["links"]["next"], "http://x/v1/c?limit=2&page=3");
        assert_eq!(body["links"]["prev"], "http://x/v1/c?limit=2&page=1");
        assert_eq!(body["meta"]["from"], 3);
        assert_eq!(body["meta"]["to"], 4);
        let last = paginated(vec![json!(5)], 5, PageRequest { limit: 2, page: 3 }, "p");
        assert_eq!(last["links"]["next"], Value::Null);
        let empty = paginated(vec![], 0, PageRequest::default(), "p");
        assert_eq!(empty["meta"]["from"], Value::Null);
        assert_eq!(empty["links"]["next"], Value::Null);
    }
}
