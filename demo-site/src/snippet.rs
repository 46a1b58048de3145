//! The official tracking snippet, pasted before `</head>` of every shop page. Only the script URL and
//! `assets_host` differ from Partnero's: they point at our collector.

use maud::{Markup, PreEscaped, html};

/// What the snippet needs: the collector's public URL and the program's public id.
#[derive(Debug, Clone)]
pub struct Snippet {
    collector_url: String,
    program_id: String,
}

/// A value that cannot be placed inside the snippet's single-quoted JavaScript strings.
#[derive(Debug, thiserror::Error)]
#[error("{what} {value:?} contains characters that are not allowed in the tracking snippet")]
pub struct UnsafeSnippetValue {
    what: &'static str,
    value: String,
}

impl Snippet {
    /// Checks both values: they end up inside single-quoted JavaScript strings in an inline script.
    pub fn new(collector_url: &str, program_id: &str) -> Result<Self, UnsafeSnippetValue> {
        let collector_url = collector_url.trim_end_matches('/').to_string();
        check("collector URL", &collector_url, |c| {
            c.is_ascii_alphanumeric() || ":/.-_~%[]".contains(c)
        })?;
        check("program id", program_id, |c| {
            c.is_ascii_alphanumeric() || "_-".contains(c)
        })?;
        Ok(Snippet {
            collector_url,
            program_id: program_id.to_string(),
        })
    }

    /// The program's public id.
    pub fn program_id(&self) -> &str {
        &self.program_id
    }

    /// The collector's public URL (no trailing `/`).
    pub fn collector_url(&self) -> &str {
        &self.collector_url
    }

    /// The snippet's `<script>` element, byte for byte the documented one apart from the two URLs.
    pub fn render(&self) -> Markup {
        self.render_with_nonce(None)
    }

    /// [`Snippet::render`] with a `nonce` attribute, for pages whose Content Security Policy allows
    /// inline scripts only by nonce.
    pub fn render_with_nonce(&self, nonce: Option<&str>) -> Markup {
        let script = format!(
            r#"
    (function(p,t,n,e,r,o){{ p['__partnerObject']=r;function f(){{
    var c={{ a:arguments,q:[]}};var r=this.push(c);return "number"!=typeof r?r:f.bind(c.q);}}
    f.q=f.q||[];p[r]=p[r]||f.bind(f.q);p[r].q=p[r].q||f.q;o=t.createElement(n);
    var _=t.getElementsByTagName(n)[0];o.async=1;o.src=e+'?v'+(~~(new Date().getTime()/1e6));
    _.parentNode.insertBefore(o,_);}})(window, document, 'script', '{collector}/js/universal.js', 'po');
    po('settings', 'assets_host', '{collector}');
    po('program', '{program}', 'load');
"#,
            collector = self.collector_url,
            program = self.program_id,
        );
        html! {
            (PreEscaped("<!-- PartneroJS -->"))
            script nonce=[nonce] { (PreEscaped(script)) }
            (PreEscaped("<!-- End PartneroJS -->"))
        }
    }
}

fn check(
    what: &'static str,
    value: &str,
    allowed: impl Fn(char) -> bool,
) -> Result<(), UnsafeSnippetValue> {
    if value.is_empty() || !value.chars().all(allowed) {
        return Err(UnsafeSnippetValue {
            what,
            value: value.to_string(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Snippet;

    #[test]
    fn renders_the_official_snippet_with_our_urls() {
        let html =
            Snippet::new("http://127.0.0.1:8090/", "AB12CD34").map(|s| s.render().into_string());
        let html = html.unwrap_or_default();
        assert!(html.contains("p['__partnerObject']=r;"));
        assert!(html.contains("'script', 'http://127.0.0.1:8090/js/universal.js', 'po');"));
        assert!(html.contains("po('settings', 'assets_host', 'http://127.0.0.1:8090');"));
        assert!(html.contains("po('program', 'AB12CD34', 'load');"));
    }

    #[test]
    fn carries_a_nonce_when_asked() {
        let snippet = Snippet::new("http://127.0.0.1:8090", "AB12CD34").unwrap();
        assert!(snippet.render().into_string().contains("<script>"));
        let html = snippet.render_with_nonce(Some("n0nce")).into_string();
        assert!(html.contains(r#"<script nonce="n0nce">"#), "{html}");
        assert_eq!(snippet.collector_url(), "http://127.0.0.1:8090");
    }

    #[test]
    fn refuses_values_that_would_break_out_of_the_script() {
        assert!(Snippet::new("http://x/'+alert(1)+'", "AB").is_err());
        assert!(Snippet::new("http://x/</script>", "AB").is_err());
        assert!(Snippet::new("http://x", "A'B").is_err());
        assert!(Snippet::new("http://x", "").is_err());
    }
}
