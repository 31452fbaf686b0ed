//! common/config's `HTTPClientConfig.Validate`: at most one way to authenticate, each
//! secret from one place, and the sub-blocks' fields.

use super::{schema, Reader};
use crate::yaml::Node;

/// Whether a key is set to something (not null, not empty).
fn set(node: &Node, key: &str) -> bool {
    node.get(key)
        .is_some_and(|value| !value.is_null() && value.as_str() != Some(""))
}

/// Validates the HTTP client settings inlined in `node`. `prefix` starts every message
/// (`marathon_sd: ` for blocks that prefix theirs).
pub(super) fn check(reader: &mut Reader, node: &Node, prefix: &str) {
    let span = node.span.clone();
    let bearer = set(node, "bearer_token");
    let bearer_file = set(node, "bearer_token_file");
    let basic = node.get("basic_auth").filter(|n| !n.is_null());
    let oauth2 = node.get("oauth2").filter(|n| !n.is_null());
    let authorization = node.get("authorization").filter(|n| !n.is_null());
    if let Some(basic) = basic {
        if reader.fields(basic, "config.BasicAuth", schema::BASIC_AUTH) {
            if set(basic, "username") && set(basic, "username_file") {
                reader.problem(span.clone(), format!("{prefix}at most one of basic_auth username & username_file must be configured"));
            }
            if set(basic, "password") && set(basic, "password_file") {
                reader.problem(span.clone(), format!("{prefix}at most one of basic_auth password & password_file must be configured"));
            }
        }
    }
    if let Some(authorization) = authorization {
        if reader.fields(authorization, "config.Authorization", schema::AUTHORIZATION)
            && set(authorization, "credentials")
            && set(authorization, "credentials_file")
        {
            reader.problem(span.clone(), format!("{prefix}at most one of authorization credentials & credentials_file must be configured"));
        }
        if authorization
            .get("type")
            .and_then(Node::as_str)
            .is_some_and(|t| t.eq_ignore_ascii_case("basic"))
        {
            reader.problem(span.clone(), format!("{prefix}authorization type cannot be set to \"basic\", use \"basic_auth\" instead"));
        }
    }
    if let Some(oauth2) = oauth2 {
        if reader.fields(oauth2, "config.OAuth2", schema::OAUTH2) {
            if !set(oauth2, "client_id") {
                reader.problem(
                    oauth2.span.clone(),
                    format!("{prefix}oauth2 client_id must be configured"),
                );
            } else if !set(oauth2, "token_url") {
                reader.problem(
                    oauth2.span.clone(),
                    format!("{prefix}oauth2 token_url must be configured"),
                );
            }
            if set(oauth2, "client_secret") && set(oauth2, "client_secret_file") {
                reader.problem(oauth2.span.clone(), format!("{prefix}at most one of oauth2 client_secret & client_secret_file must be configured"));
            }
            if let Some(tls) = oauth2.get("tls_config") {
                reader.fields(tls, "config.TLSConfig", schema::TLS);
            }
        }
    }
    if let Some(tls) = node.get("tls_config") {
        reader.fields(tls, "config.TLSConfig", schema::TLS);
    }
    if bearer && bearer_file {
        reader.problem(
            span.clone(),
            format!("{prefix}at most one of bearer_token & bearer_token_file must be configured"),
        );
    }
    if (basic.is_some() || oauth2.is_some()) && (bearer || bearer_file) {
        reader.problem(span.clone(), format!("{prefix}at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured"));
    }
    if authorization.is_some() && (bearer || bearer_file) {
        reader.problem(
            span.clone(),
            format!(
                "{prefix}authorization is not compatible with bearer_token & bearer_token_file"
            ),
        );
    }
    let methods = [basic.is_some(), oauth2.is_some(), authorization.is_some()];
    if methods.iter().filter(|&&m| m).count() > 1 {
        reader.problem(
            span,
            format!("{prefix}at most one of basic_auth, oauth2 & authorization must be configured"),
        );
    }
}

/// Whether `node` sets any HTTP client setting away from its default.
pub(super) fn is_custom(node: &Node) -> bool {
    schema::HTTP_CLIENT.iter().any(|key| match *key {
        "follow_redirects" | "enable_http2" => node
            .get(key)
            .and_then(Node::as_str)
            .is_some_and(|v| v == "false"),
        key => node.get(key).is_some_and(|v| !v.is_null()),
    })
}
