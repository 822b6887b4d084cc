//! Which built-in rules find keys that are public by design: publishable client keys that
//! providers ship in browser bundles and mobile apps (PostHog project keys, Stripe
//! publishable keys, Supabase anon and publishable keys, Firebase browser keys).
//!
//! A finding from one of these rules never blocks: the scanner marks it suppressed as a
//! public key, so it is counted and listed under `--verbose` like any other suppression.
//! The list is explicit and small on purpose: a rule does not become non-blocking by a
//! field a team's config could set by mistake. This module does not find anything itself.

use super::Rule;

/// The built-in rules whose findings are public keys.
pub const PUBLIC_KEY_RULES: &[&str] = &[
    "posthog-project-key",
    "stripe-publishable-key",
    "supabase-anon-key",
    "supabase-publishable-key",
    "firebase-browser-key",
    "firebase-config-key",
];

/// True when `rule` is one of the built-in public-key rules (a team's rule with the same id
/// replaces the built-in one, and is then judged as the team wrote it: blocking).
pub fn is_public_key_rule(rule: &Rule) -> bool {
    rule.is_builtin() && PUBLIC_KEY_RULES.contains(&rule.id())
}
