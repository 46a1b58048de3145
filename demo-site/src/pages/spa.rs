//! A single-page app written in plain JavaScript. Like many SPA routers it rewrites the address with
//! `history.pushState` as soon as it starts, dropping the query string (and so `?ref=KEY`) before the
//! asynchronously loaded tracker runs.

use crate::current_user::CurrentUser;
use crate::pages::layout::page;
use crate::state::AppState;
use axum::extract::State;
use maud::{Markup, PreEscaped, html};

const ROUTER: &str = r#"
(function () {
  var views = {
    '/app/home': 'Welcome to the web app.',
    '/app/products': 'Your products.',
    '/app/settings': 'Your settings.'
  };
  function render() {
    document.getElementById('app-route').textContent = location.pathname;
    document.getElementById('app-view').textContent = views[location.pathname] || 'Page not found.';
  }
  document.addEventListener('click', function (event) {
    var link = event.target.closest('a[data-route]');
    if (!link) return;
    event.preventDefault();
    history.pushState({}, '', link.getAttribute('href'));
    render();
  });
  window.addEventListener('popstate', render);
  var start = (location.pathname === '/app' || location.pathname === '/app/') ? '/app/home' : location.pathname;
  history.pushState({}, '', start);
  render();
})();
"#;

/// `GET /app` and `GET /app/{*route}`: the same document; the router picks the view.
pub async fn show(State(state): State<AppState>, CurrentUser(user): CurrentUser) -> Markup {
    let body = html! {
        nav.card {
            a href="/app/home" data-route id="route-home" { "Home" } " · "
            a href="/app/products" data-route id="route-products" { "Products" } " · "
            a href="/app/settings" data-route id="route-settings" { "Settings" }
        }
        div.card {
            p { "Route: " code id="app-route" {} }
            p id="app-view" {}
        }
        script { (PreEscaped(ROUTER)) }
    };
    page(&state.site, user.as_ref(), "Web app", body)
}
