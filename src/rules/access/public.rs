//! Views that are meant to be public: login, signup, password reset, health checks, webhooks...
//!
//! A view is recognised as intentionally public when its name, its URL route or its URL name
//! contains one of the configured phrases as whole words: `login` matches `user_login`,
//! `LoginView` and `accounts/login/`, not `blogin`; `password reset` matches
//! `password_reset_confirm` and `PasswordResetView`. The list is data: the default below can be
//! extended or replaced by configuration.

use std::sync::{Arc, LazyLock};

/// The phrases that mark a view as intentionally public, lower-case, words separated by spaces.
pub const DEFAULT_PUBLIC_VIEWS: &[&str] = &[
    // Authentication itself.
    "login",
    "log in",
    "logout",
    "log out",
    "signin",
    "sign in",
    "signout",
    "sign out",
    "signup",
    "sign up",
    "register",
    "registration",
    "password reset",
    "reset password",
    "forgot password",
    "forgotten password",
    "activate",
    "activation",
    "verify email",
    "email verification",
    "confirm email",
    "email confirm",
    "email confirmation",
    "magic link",
    "token obtain",
    "obtain token",
    "obtain auth token",
    "token refresh",
    "refresh token",
    "token verify",
    "oauth",
    "sso",
    "saml",
    "oidc",
    "callback",
    // Infrastructure.
    "health",
    "healthz",
    "healthcheck",
    "health check",
    "readiness",
    "readyz",
    "liveness",
    "livez",
    "ping",
    "heartbeat",
    "robots",
    "sitemap",
    "favicon",
    "manifest",
    "service worker",
    "csp report",
    "security txt",
    // Integrations that authenticate by signature.
    "webhook",
    "webhooks",
    "hook",
    "ipn",
    // Public pages.
    "home",
    "homepage",
    "index",
    "landing",
    "about",
    "contact",
    "privacy",
    "terms",
    "faq",
    "unsubscribe",
];

/// The configured list of public-view phrases, pre-split into words. Cloning it is cheap (the
/// phrases are shared): every analysed file starts from the default list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicViews {
    phrases: Arc<[Vec<String>]>,
}

static DEFAULT: LazyLock<PublicViews> =
    LazyLock::new(|| PublicViews::new(DEFAULT_PUBLIC_VIEWS.iter().copied()));

impl Default for PublicViews {
    fn default() -> Self {
        DEFAULT.clone()
    }
}

impl PublicViews {
    pub fn new<'s>(phrases: impl IntoIterator<Item = &'s str>) -> PublicViews {
        PublicViews {
            phrases: phrases
                .into_iter()
                .map(words)
                .filter(|w| !w.is_empty())
                .collect(),
        }
    }

    /// The default list plus `extra` phrases.
    pub fn extended<'s>(extra: impl IntoIterator<Item = &'s str>) -> PublicViews {
        let mut phrases = DEFAULT.phrases.to_vec();
        phrases.extend(extra.into_iter().map(words).filter(|w| !w.is_empty()));
        PublicViews {
            phrases: phrases.into(),
        }
    }

    /// The phrase `text` matches (a view name, a route, a URL name), if any.
    pub fn matching(&self, text: &str) -> Option<String> {
        let tokens = words(text);
        if tokens.is_empty() {
            return None;
        }
        self.phrases
            .iter()
            .find(|phrase| contains_phrase(&tokens, phrase))
            .map(|phrase| phrase.join(" "))
    }

    pub fn is_public(&self, text: &str) -> bool {
        self.matching(text).is_some()
    }
}

/// Whether `phrase` occurs in `tokens` as consecutive words, or glued into one token
/// (`sign in` matches `signin`).
fn contains_phrase(tokens: &[String], phrase: &[String]) -> bool {
    if phrase.len() > 1 {
        let glued: String = phrase.concat();
        if tokens.contains(&glued) {
            return true;
        }
    }
    tokens
        .windows(phrase.len())
        .any(|window| window.iter().zip(phrase).all(|(a, b)| a == b))
}

/// Split an identifier, route or phrase into lower-case words: on anything that is not a letter
/// or digit, and at lower→upper case changes (`PasswordResetView` → password, reset, view).
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for c in text.chars() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_identifiers_routes_and_camel_case() {
        assert_eq!(
            words("PasswordResetConfirmView"),
            vec!["password", "reset", "confirm", "view"]
        );
        assert_eq!(
            words("accounts/<uidb64>/reset-password/"),
            vec!["accounts", "uidb64", "reset", "password"]
        );
        assert_eq!(words("user_login"), vec!["user", "login"]);
        assert_eq!(words("HTMLPage"), vec!["htmlpage"]);
    }

    #[test]
    fn matches_whole_words_and_glued_phrases() {
        let public = PublicViews::default();
        assert_eq!(public.matching("user_login").as_deref(), Some("login"));
        assert_eq!(public.matching("SignInView").as_deref(), Some("sign in"));
        assert_eq!(public.matching("signin").as_deref(), Some("signin"));
        assert_eq!(
            public.matching("password_reset_confirm").as_deref(),
            Some("password reset")
        );
        assert_eq!(
            public.matching("stripe_webhook").as_deref(),
            Some("webhook")
        );
        assert_eq!(public.matching("healthz/").as_deref(), Some("healthz"));
        // Not a whole word / not in the list.
        assert_eq!(public.matching("blogin"), None);
        assert_eq!(public.matching("delete_account"), None);
        assert_eq!(public.matching("reset_counter"), None);
        assert_eq!(public.matching("order_status"), None);
        assert_eq!(public.matching(""), None);
    }

    #[test]
    fn configuration_extends_or_replaces() {
        let extended = PublicViews::extended(["pricing page"]);
        assert!(extended.is_public("PricingPageView"));
        assert!(extended.is_public("login"));
        let replaced = PublicViews::new(["status"]);
        assert!(replaced.is_public("status"));
        assert!(!replaced.is_public("login"));
    }
}
