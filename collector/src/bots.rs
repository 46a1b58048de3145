//! Requests that must not count as visits: bots, link previews, prefetches.

use axum::http::HeaderMap;

/// Lower-case user-agent fragments of crawlers, previewers and scripted clients.
const BOT_MARKERS: &[&str] = &[
    "bot",
    "crawl",
    "spider",
    "slurp",
    "mediapartners",
    "facebookexternalhit",
    "embedly",
    "preview",
    "python-requests",
    "python-urllib",
    "curl/",
    "wget/",
    "go-http-client",
    "okhttp",
    "java/",
    "libwww",
    "httpclient",
    "axios/",
    "node-fetch",
    "pingdom",
    "uptime",
    "monitor",
    "scrapy",
    "phantomjs",
    "lighthouse",
    "gtmetrix",
];

/// Whether the user agent is missing or looks automated.
pub fn is_bot(user_agent: Option<&str>) -> bool {
    let Some(user_agent) = user_agent.map(str::trim).filter(|ua| !ua.is_empty()) else {
        return true;
    };
    let lower = user_agent.to_ascii_lowercase();
    BOT_MARKERS.iter().any(|marker| lower.contains(marker))
}

/// Whether the request is a speculative prefetch/prerender.
pub fn is_prefetch(headers: &HeaderMap) -> bool {
    ["sec-purpose", "purpose", "x-purpose", "x-moz"]
        .iter()
        .any(|name| {
            headers
                .get(*name)
                .and_then(|value| value.to_str().ok())
                .is_some_and(|value| {
                    let value = value.to_ascii_lowercase();
                    value.contains("prefetch") || value.contains("prerender")
                })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_bots() {
        assert!(is_bot(None));
        assert!(is_bot(Some("")));
        assert!(is_bot(Some(
            "Googlebot/2.1 (+http://www.google.com/bot.html)"
        )));
        assert!(is_bot(Some("curl/8.5.0")));
        assert!(!is_bot(Some(
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0 Safari/537.36"
        )));
    }

    #[test]
    fn recognises_prefetch() {
        let mut headers = HeaderMap::new();
        assert!(!is_prefetch(&headers));
        headers.insert("sec-purpose", "prefetch;prerender".parse().unwrap());
        assert!(is_prefetch(&headers));
    }
}
