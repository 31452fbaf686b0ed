//! Each service-discovery block's own rules (`discovery/<name>/`): its field list
//! ([`sd_schema`]), required fields, allowed roles, exclusive settings, URLs.

use super::values::parse_url;
use super::{http, schema, sd_schema, Reader};
use crate::yaml::Node;

fn text<'n>(node: &'n Node, key: &str) -> &'n str {
    node.get(key).and_then(Node::as_str).unwrap_or("")
}

fn set(node: &Node, key: &str) -> bool {
    !text(node, key).is_empty() || node.get(key).is_some_and(|v| v.as_sequence().is_some())
}

/// Checks one block of `key` (`kubernetes_sd_configs`, ...).
pub(super) fn check(reader: &mut Reader, key: &str, node: &Node) {
    if !known_fields(reader, key, node) {
        return;
    }
    let span = node.span.clone();
    match key {
        "static_configs" => {}
        "kubernetes_sd_configs" => kubernetes(reader, node),
        "marathon_sd_configs" => marathon(reader, node),
        "azure_sd_configs" => azure(reader, node),
        "openstack_sd_configs" => {
            let role = text(node, "role");
            if !matches!(role, "hypervisor" | "instance" | "loadbalancer") {
                reader.problem(span.clone(), format!("unknown OpenStack SD role {role:?}"));
            }
            let availability = text(node, "availability");
            if !matches!(availability, "" | "public" | "admin" | "internal") {
                reader.problem(span, format!("unknown availability {availability}, must be one of admin, internal or public"));
            }
        }
        "ec2_sd_configs" => {
            if let Some(filters) = node.get("filters") {
                for filter in filters.items() {
                    if filter
                        .get("values")
                        .is_none_or(|v| v.items().next().is_none())
                    {
                        reader.problem(
                            filter.span.clone(),
                            "EC2 SD configuration filter values cannot be empty",
                        );
                    }
                }
            }
            http::check(reader, node, "");
        }
        "oci_sd_configs" => {
            let auth = text(node, "auth");
            if !matches!(auth, "" | "api_key" | "instance_principal") {
                reader.problem(span, format!("oci_sd: unknown auth method {auth:?}, expected \"api_key\" or \"instance_principal\""));
            }
        }
        "puppetdb_sd_configs" => {
            if url(reader, node, "url", "URL is missing") && !set(node, "query") {
                reader.problem(span, "query missing");
            }
            http::check(reader, node, "");
        }
        "http_sd_configs" => {
            url(reader, node, "url", "URL is missing");
            http::check(reader, node, "");
        }
        "hetzner_sd_configs" => {
            let role = text(node, "role");
            if !matches!(role, "hcloud" | "robot") {
                reader.problem(span, format!("unknown role {role:?}"));
            }
            http::check(reader, node, "");
        }
        "eureka_sd_configs" => {
            let server = text(node, "server");
            if server.is_empty() {
                reader.problem(span, "empty or null eureka server");
            } else if parse_url(server)
                .map(|u| u.scheme.is_empty() || u.host.is_empty())
                .unwrap_or(true)
            {
                reader.problem(
                    node.get("server").map_or(span, |n| n.span.clone()),
                    "invalid eureka server URL",
                );
            }
            http::check(reader, node, "");
        }
        "scaleway_sd_configs" => {
            let role = text(node, "role");
            if !matches!(role, "instance" | "baremetal") {
                reader.problem(span.clone(), format!("unknown role {role:?}"));
            }
            secret_pair(reader, node, "secret_key");
        }
        "outscale_sd_configs" => {
            if !set(node, "region") {
                reader.problem(span, "outscale SD configuration requires a region");
            } else {
                secret_pair(reader, node, "secret_key");
            }
        }
        "uyuni_sd_configs" => {
            if !set(node, "server") {
                reader.problem(span, "Uyuni SD configuration requires server host");
            }
            http::check(reader, node, "");
        }
        "ionos_sd_configs" => {
            if !set(node, "datacenter_id") {
                reader.problem(span, "datacenter id can't be empty");
            }
            http::check(reader, node, "");
        }
        "ovhcloud_sd_configs" => {
            if !set(node, "application_secret") {
                reader.problem(span.clone(), "application secret can not be empty");
            }
            let service = text(node, "service");
            if !matches!(service, "vps" | "dedicated_server") {
                reader.problem(span, format!("unknown service: {service}"));
            }
        }
        "stackit_sd_configs" => {
            let endpoint = text(node, "endpoint");
            if !endpoint.is_empty()
                && parse_url(endpoint)
                    .map(|u| u.scheme.is_empty())
                    .unwrap_or(true)
            {
                reader.problem(
                    node.get("endpoint").map_or(span, |n| n.span.clone()),
                    "invalid endpoint",
                );
            }
            http::check(reader, node, "");
        }
        _ => http::check(reader, node, ""),
    }
}

/// Holds the block and its nested structs to their field lists. `false` when the
/// block is not a mapping (reported), so nothing else can be read from it.
fn known_fields(reader: &mut Reader, key: &str, node: &Node) -> bool {
    let Some(block) = sd_schema::service_discovery(key) else {
        return true;
    };
    if !reader.fields(node, block.type_name, &block.allowed()) {
        return false;
    }
    let package = block.type_name.split('.').next().unwrap_or("");
    if let Some(filters) = node.get("filters") {
        for filter in filters.items() {
            reader.fields(filter, &format!("{package}.Filter"), sd_schema::FILTER);
        }
    }
    if !block.http_client {
        // Blocks without the inlined HTTP client hold a TLS block of their own.
        if let Some(tls) = node.get("tls_config") {
            reader.fields(tls, "config.TLSConfig", schema::TLS);
        }
    }
    true
}

/// A required `scheme://host` URL field; `false` after reporting.
fn url(reader: &mut Reader, node: &Node, key: &str, missing: &str) -> bool {
    let value = text(node, key);
    let span = node.get(key).map_or(node.span.clone(), |n| n.span.clone());
    if value.is_empty() {
        reader.problem(span, missing);
        return false;
    }
    match parse_url(value) {
        Err(message) => reader.problem(span, message),
        Ok(url) if !matches!(url.scheme, "http" | "https") => {
            reader.problem(span, "URL scheme must be 'http' or 'https'")
        }
        Ok(url) if url.host.is_empty() => reader.problem(span, "host is missing in URL"),
        Ok(_) => return true,
    }
    false
}

/// `<name>` and `<name>_file`: exactly one.
fn secret_pair(reader: &mut Reader, node: &Node, name: &str) {
    let file = format!("{name}_file");
    match (set(node, name), set(node, &file)) {
        (false, false) => reader.problem(
            node.span.clone(),
            format!("one of {name} & {file} must be configured"),
        ),
        (true, true) => reader.problem(
            node.span.clone(),
            format!("at most one of {name} & {file} must be configured"),
        ),
        _ => {}
    }
}

fn azure(reader: &mut Reader, node: &Node) {
    let method = node
        .get("authentication_method")
        .and_then(Node::as_str)
        .unwrap_or("OAuth");
    if !matches!(
        method,
        "OAuth" | "ManagedIdentity" | "SDK" | "WorkloadIdentity"
    ) {
        reader.problem(node.span.clone(), format!("unknown authentication_type {method:?}. Supported types are \"OAuth\", \"ManagedIdentity\", \"SDK\" or \"WorkloadIdentity\""));
        return;
    }
    let mut required = vec!["subscription_id"];
    if method == "OAuth" {
        required.extend(["client_id", "client_secret", "tenant_id"]);
    }
    for key in required {
        if !set(node, key) {
            reader.problem(
                node.span.clone(),
                format!("azure SD configuration requires a {key}"),
            );
            return;
        }
    }
    http::check(reader, node, "");
}

fn marathon(reader: &mut Reader, node: &Node) {
    let span = node.span.clone();
    if node
        .get("servers")
        .is_none_or(|s| s.items().next().is_none())
    {
        reader.problem(
            span,
            "marathon_sd: must contain at least one Marathon server",
        );
        return;
    }
    let token = set(node, "auth_token");
    let token_file = set(node, "auth_token_file");
    let any_token = token || token_file;
    let message = if token && token_file {
        Some("at most one of auth_token & auth_token_file must be configured")
    } else if any_token && node.get("basic_auth").is_some() {
        Some("at most one of basic_auth, auth_token & auth_token_file must be configured")
    } else if any_token && (set(node, "bearer_token") || set(node, "bearer_token_file")) {
        Some("at most one of bearer_token, bearer_token_file, auth_token & auth_token_file must be configured")
    } else if any_token && node.get("authorization").is_some() {
        Some("at most one of auth_token, auth_token_file & authorization must be configured")
    } else {
        None
    };
    match message {
        Some(message) => reader.problem(span, format!("marathon_sd: {message}")),
        None => http::check(reader, node, ""),
    }
}

/// Which selector roles each Kubernetes SD role accepts.
fn selector_roles(role: &str) -> &'static [&'static str] {
    match role {
        "pod" => &["pod", "node"],
        "service" => &["service"],
        "endpoints" => &["pod", "service", "endpoints"],
        "endpointslice" => &["pod", "service", "endpointslice"],
        "node" => &["node"],
        "ingress" => &["ingress"],
        _ => &[],
    }
}

fn kubernetes(reader: &mut Reader, node: &Node) {
    let span = node.span.clone();
    if let Some(namespaces) = node.get("namespaces") {
        reader.fields(
            namespaces,
            "kubernetes.plain",
            sd_schema::KUBERNETES_NAMESPACES,
        );
    }
    if let Some(metadata) = node.get("attach_metadata") {
        reader.fields(
            metadata,
            "kubernetes.AttachMetadataConfig",
            sd_schema::KUBERNETES_ATTACH_METADATA,
        );
    }
    if let Some(selectors) = node.get("selectors") {
        for selector in selectors.items() {
            reader.fields(
                selector,
                "kubernetes.SelectorConfig",
                sd_schema::KUBERNETES_SELECTOR,
            );
        }
    }
    let role = text(node, "role");
    if role.is_empty() {
        reader.problem(
            span,
            "role missing (one of: pod, service, endpoints, endpointslice, node, ingress)",
        );
        return;
    }
    if !schema::KUBERNETES_ROLES.contains(&role) {
        let at = node.get("role").map_or(span, |n| n.span.clone());
        reader.problem(at, format!("unknown Kubernetes SD role {role:?}"));
        return;
    }
    let before = reader.problems.len();
    http::check(reader, node, "");
    if reader.problems.len() > before {
        return;
    }
    let api_server = set(node, "api_server");
    let kubeconfig = set(node, "kubeconfig_file");
    let custom = http::is_custom(node);
    let own_namespace = node
        .get("namespaces")
        .and_then(|n| n.get("own_namespace"))
        .and_then(Node::as_str)
        == Some("true");
    let message = if api_server && kubeconfig {
        Some("cannot use 'kubeconfig_file' and 'api_server' simultaneously")
    } else if kubeconfig && custom {
        Some("cannot use a custom HTTP client configuration together with 'kubeconfig_file'")
    } else if !api_server && custom {
        Some("to use custom HTTP client configuration please provide the 'api_server' URL explicitly")
    } else if api_server && own_namespace {
        Some("cannot use 'api_server' and 'namespaces.own_namespace' simultaneously")
    } else if kubeconfig && own_namespace {
        Some("cannot use 'kubeconfig_file' and 'namespaces.own_namespace' simultaneously")
    } else {
        None
    };
    if let Some(message) = message {
        reader.problem(span, message);
        return;
    }
    let Some(selectors) = node.get("selectors") else {
        return;
    };
    let allowed = selector_roles(role);
    let mut seen = Vec::new();
    for selector in selectors.items() {
        let selector_role = text(selector, "role");
        if seen.contains(&selector_role) {
            reader.problem(
                selector.span.clone(),
                format!("duplicated selector role: {selector_role}"),
            );
            return;
        }
        seen.push(selector_role);
        if !allowed.contains(&selector_role) {
            reader.problem(
                selector.span.clone(),
                format!("{role} role supports only {} selectors", allowed.join(", ")),
            );
            return;
        }
        let field = text(selector, "field");
        if let Some(bad) = field
            .split(',')
            .find(|term| !term.is_empty() && !term.contains('='))
        {
            reader.problem(
                selector
                    .get("field")
                    .map_or(selector.span.clone(), |n| n.span.clone()),
                format!("invalid selector: '{field}'; can't understand '{bad}'"),
            );
            return;
        }
    }
}
