//! The refer-a-friend form's result: validating the returned link and building share links.

use crate::url::{Url, encode_component};
use alloc::string::String;

/// True for an absolute http(s) URL without spaces or quotes: safe to use as an `href`.
pub fn is_web_link(text: &str) -> bool {
    Url::parse(text)
        .is_some_and(|u| (u.scheme == "https" || u.scheme == "http") && !u.host.is_empty())
        && !text
            .bytes()
            .any(|b| b.is_ascii_whitespace() || b.is_ascii_control() || b == b'"' || b == b'<')
        && text.len() <= 2048
}

/// Share targets: (label, URL) for X, Facebook, LinkedIn, WhatsApp and e-mail.
pub fn share_links(link: &str) -> [(&'static str, String); 5] {
    let encoded = encode_component(link);
    let with = |prefix: &str| {
        let mut url = String::from(prefix);
        url.push_str(&encoded);
        url
    };
    [
        ("X", with("https://x.com/intent/tweet?url=")),
        (
            "Facebook",
            with("https://www.facebook.com/sharer/sharer.php?u="),
        ),
        (
            "LinkedIn",
            with("https://www.linkedin.com/sharing/share-offsite/?url="),
        ),
        ("WhatsApp", with("https://wa.me/?text=")),
        ("E-mail", with("mailto:?body=")),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_links() {
        assert!(is_web_link("https://shop.test/?ref=carol_x7"));
        assert!(is_web_link("http://127.0.0.1:8080/aff/x"));
        for bad in [
            "javascript:alert(1)",
            "javascript://x.test/%0aalert(1)",
            "data:text/html,x",
            "https://a b",
            "/rel",
            "https://x\"y",
        ] {
            assert!(!is_web_link(bad), "{bad}");
        }
    }

    #[test]
    fn share_urls_encode_the_link() {
        let links = share_links("https://shop.test/?ref=carol&x=1");
        assert_eq!(
            links[0],
            (
                "X",
                "https://x.com/intent/tweet?url=https%3A%2F%2Fshop.test%2F%3Fref%3Dcarol%26x%3D1"
                    .into()
            )
        );
        assert_eq!(
            links[4].1,
            "mailto:?body=https%3A%2F%2Fshop.test%2F%3Fref%3Dcarol%26x%3D1"
        );
        assert_eq!(
            links.map(|(l, _)| l),
            ["X", "Facebook", "LinkedIn", "WhatsApp", "E-mail"]
        );
    }
}
