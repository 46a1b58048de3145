//! The page frame shared by every shop page: the tracking snippet in `<head>`, navigation, styles.

use crate::state::SiteInfo;
use crate::users::User;
use axum::http::StatusCode;
use maud::{DOCTYPE, Markup, html};

const STYLE: &str = "
body{font-family:system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7fb}
header{background:#1d2330;color:#fff;padding:.8rem 1.5rem;display:flex;gap:1rem;align-items:center;flex-wrap:wrap}
header a{color:#fff;text-decoration:none} header .brand{font-weight:700;margin-right:1rem}
header .who{margin-left:auto;opacity:.85} header form{display:inline}
main{max-width:52rem;margin:2rem auto;padding:0 1.5rem}
.card{background:#fff;border-radius:.5rem;padding:1.2rem 1.5rem;margin-bottom:1.2rem;box-shadow:0 1px 3px #0002}
.notice{background:#fff7d6;border:1px solid #e5c100;padding:.6rem 1rem;border-radius:.4rem}
.error{background:#ffe3e3;border:1px solid #d33;padding:.6rem 1rem;border-radius:.4rem}
label{display:block;margin:.6rem 0} input{padding:.4rem;font-size:1rem}
button{padding:.45rem 1rem;font-size:1rem;cursor:pointer}
table{border-collapse:collapse;width:100%} td,th{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #e3e5ee}
dl{display:grid;grid-template-columns:max-content auto;gap:.3rem 1rem} dt{font-weight:600}
code{background:#eef;padding:.1rem .3rem;border-radius:.2rem}
";

/// A full shop page titled `title` with `body` as its main content.
pub fn page(site: &SiteInfo, user: Option<&User>, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Demo Shop" }
                style { (STYLE) }
                (site.snippet.render())
            }
            body {
                header {
                    a.brand href="/" { "Demo Shop" }
                    a href="/pricing" { "Pricing" }
                    a href="/refer" { "Refer a friend" }
                    a href="/waitlist" { "Beta waitlist" }
                    a href="/trial" { "Free trial" }
                    a href="/app" { "Web app" }
                    @if let Some(user) = user {
                        a href="/purchase" { "Purchases" }
                        a href="/referrals" { "My referrals" }
                        span.who id="signed-in-as" { "Signed in as " (user.name) }
                        form method="post" action="/logout" { button type="submit" id="logout" { "Log out" } }
                    } @else {
                        a href="/signup" id="nav-signup" { "Sign up" }
                        a href="/login" { "Log in" }
                    }
                }
                main { h1 { (title) } (body) }
            }
        }
    }
}

/// A page for an error, without the tracking snippet.
pub fn error_page(status: StatusCode, message: &str) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { (status.as_u16()) " · Demo Shop" }
                style { (STYLE) }
            }
            body {
                header { a.brand href="/" { "Demo Shop" } }
                main {
                    h1 { (status.canonical_reason().unwrap_or("Error")) }
                    p.error id="error-message" { (message) }
                    p { a href="/" { "Back to the shop" } }
                }
            }
        }
    }
}

/// Formats an amount in cents as dollars (`$49.00`).
pub fn dollars(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    format!("{sign}${}.{:02}", cents / 100, cents % 100)
}

#[cfg(test)]
mod tests {
    use super::dollars;

    #[test]
    fn formats_dollars() {
        assert_eq!(dollars(4900), "$49.00");
        assert_eq!(dollars(5), "$0.05");
        assert_eq!(dollars(-1250), "-$12.50");
    }
}
