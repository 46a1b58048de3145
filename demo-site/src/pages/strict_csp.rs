//! A page served under a strict Content Security Policy: the policy `js/README.md` documents for
//! sites using the tracker (the collector's scripts, `'wasm-unsafe-eval'` for the wasm, the
//! collector for requests) plus a nonce for the inline snippet, and nothing else. The page counts
//! the violations the browser reports, so anyone (and the end-to-end suite) can see there are none
//! while the tracker captures a referral and renders the refer-a-friend form.

use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, PreEscaped, html};

/// Records every `securitypolicyviolation` event (directive and blocked URI) in
/// `window.__cspViolations` and shows their number.
const VIOLATION_LOG: &str = "window.__cspViolations=[];\
document.addEventListener('securitypolicyviolation',function(e){\
window.__cspViolations.push(e.violatedDirective+' '+e.blockedURI);\
var n=document.getElementById('csp-violations');if(n)n.textContent=String(window.__cspViolations.length);});";

/// The policy for a page whose inline scripts carry `nonce`.
pub fn policy(collector: &str, nonce: &str) -> String {
    format!(
        "default-src 'none'; script-src 'nonce-{nonce}' {collector} 'wasm-unsafe-eval'; \
         connect-src {collector}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
}

/// `GET /strict-csp`.
pub async fn show(State(state): State<AppState>) -> Response {
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let snippet = &state.site.snippet;
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { "Strict CSP · Demo Shop" }
                script nonce=(nonce) { (PreEscaped(VIOLATION_LOG)) }
                (snippet.render_with_nonce(Some(&nonce)))
            }
            body {
                h1 { "Served under a strict Content Security Policy" }
                p { "Content Security Policy violations reported on this page: "
                    strong #csp-violations { "0" } }
                div data-partnero-form {}
            }
        }
    };
    let mut response = markup.into_response();
    if let Ok(value) = HeaderValue::from_str(&policy(snippet.collector_url(), &nonce)) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::policy;

    #[test]
    fn the_policy_is_the_documented_one_plus_a_nonce() {
        let p = policy("https://c.test", "abc");
        assert!(p.starts_with("default-src 'none'; "));
        assert!(p.contains("script-src 'nonce-abc' https://c.test 'wasm-unsafe-eval';"));
        assert!(p.contains("connect-src https://c.test;"));
        assert!(!p.contains("unsafe-inline"));
    }
}
