//! `limit`/`page` parsing and the `links`/`meta` block of list responses.

use serde_json::{Map, Value, json};

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

/// The filters of a list request (its parameters other than `limit` and `page`, from the query
/// string or the body) as the start of a query string for its `links` (`customer=bob&`), so that
/// following them pages through the same filtered list. An object such as `{"key": "bob"}` stands
/// for its key; other objects and lists are left out.
fn filter_query(params: &Map<String, Value>) -> String {
    let mut query = String::new();
    for (name, value) in params {
        let text = match value {
            _ if name == "limit" || name == "page" => continue,
            Value::String(text) => text.clone(),
            Value::Number(number) => number.to_string(),
            Value::Bool(flag) => flag.to_string(),
            Value::Object(object) => match object.get("key") {
                Some(Value::String(key)) => key.clone(),
                _ => continue,
            },
            Value::Null | Value::Array(_) => continue,
        };
        query.push_str(&crate::links::encode(name));
        query.push('=');
        query.push_str(&crate::links::encode(&text));
        query.push('&');
    }
    query
}

/// Builds the paginated response body: `data`, `links`, `meta`, `status`; the links keep the
/// request's filters (`params`).
pub fn paginated(
    items: Vec<Value>,
    total: i64,
    request: PageRequest,
    path: &str,
    params: &Map<String, Value>,
) -> Value {
    let filters = filter_query(params);
    let limit = i64::from(request.limit);
    let current = i64::from(request.page);
    let last_page = ((total + limit - 1) / limit).max(1);
    let count = items.len() as i64;
    let from = (count > 0).then(|| request.offset() + 1);
    let to = (count > 0).then(|| request.offset() + count);
    let url = |page: i64| format!("{path}?{filters}limit={limit}&page={page}");
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
            &Map::new(),
        );
        assert_eq!(body["links"]["next"], "http://x/v1/c?limit=2&page=3");
        assert_eq!(body["links"]["prev"], "http://x/v1/c?limit=2&page=1");
        assert_eq!(body["meta"]["from"], 3);
        assert_eq!(body["meta"]["to"], 4);
        let last = paginated(
            vec![json!(5)],
            5,
            PageRequest { limit: 2, page: 3 },
            "p",
            &Map::new(),
        );
        assert_eq!(last["links"]["next"], Value::Null);
        let empty = paginated(vec![], 0, PageRequest::default(), "p", &Map::new());
        assert_eq!(empty["meta"]["from"], Value::Null);
        assert_eq!(empty["links"]["next"], Value::Null);
    }

    /// The links page through the same filtered list: every filter is kept, encoded.
    #[test]
    fn links_keep_the_filters() {
        let params = json!({"customer": {"key": "bob"}, "archived": true, "query": "a b&c",
                            "limit": 1, "page": 1, "tags": ["x"]});
        let body = paginated(
            vec![json!(1)],
            3,
            PageRequest { limit: 1, page: 1 },
            "/v1/t",
            params.as_object().unwrap(),
        );
        assert_eq!(
            body["links"]["next"],
            "/v1/t?archived=true&customer=bob&query=a%20b%26c&limit=1&page=2"
        );
        assert_eq!(
            body["links"]["last"],
            "/v1/t?archived=true&customer=bob&query=a%20b%26c&limit=1&page=3"
        );
    }
}
