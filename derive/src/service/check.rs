//! The rules that span several methods (or the whole trait), one function each.

use std::collections::HashMap;

use quote::ToTokens;

use super::ast::{type_name, Method, Service};
use crate::ctxt::Ctxt;

/// Every rule, each reporting its mistakes to `cx`.
pub(crate) fn service(cx: &Ctxt, service: &Service<'_>) {
    no_generics(cx, service);
    ids(cx, &service.methods);
    one_error_type(cx, &service.methods);
    streams_fail_with_the_service_error(cx, &service.methods);
    messages_used_as_they_are(cx, &service.methods);
    distinct_variants(cx, &service.methods);
}

/// The generated types are concrete: the trait has no parameters of its own.
fn no_generics(cx: &Ctxt, service: &Service<'_>) {
    let generics = &service.item.generics;
    if !generics.params.is_empty() || generics.where_clause.is_some() {
        cx.error_spanned_by(
            generics,
            "unsupported signature: a service trait has no generic parameters (its request and response protocols are concrete)",
        );
    }
}

/// Every method has an id, and no two share one.
fn ids(cx: &Ctxt, methods: &[Method<'_>]) {
    let mut seen: HashMap<u16, &syn::Ident> = HashMap::new();
    for method in methods {
        let Some(id) = &method.attrs.id else {
            if !method.attrs.id_written {
                cx.error_at(
                    method.span,
                    format!(
                        "service method `{}` has no id: give it a stable one with `#[wire(id = N)]` (its message id on the wire)",
                        method.ident
                    ),
                );
            }
            continue;
        };
        match seen.get(&id.value) {
            Some(first) => cx.error_at(
                id.span,
                format!(
                    "duplicate method id {}: `{}` has it already (each method's id names its request and response on the wire)",
                    id.value, first
                ),
            ),
            None => {
                seen.insert(id.value, method.ident);
            }
        }
    }
}

/// Every method fails with the same error type: the service's.
fn one_error_type(cx: &Ctxt, methods: &[Method<'_>]) {
    let Some(first) = methods.first() else {
        return;
    };
    let expected = text(first.err);
    for method in &methods[1..] {
        if text(method.err) != expected {
            cx.error_spanned_by(
                method.err,
                format!(
                    "the service's error type is `{expected}` (from `{}`): every method returns `Result<_, {expected}>`",
                    first.ident
                ),
            );
        }
    }
}

/// A streaming method's items fail with the service's error type, as the method does.
fn streams_fail_with_the_service_error(cx: &Ctxt, methods: &[Method<'_>]) {
    for method in methods {
        let Some((_, stream_err)) = method.stream else {
            continue;
        };
        let expected = text(method.err);
        if text(stream_err) != expected {
            cx.error_spanned_by(
                stream_err,
                format!(
                    "the items of `{}` fail with the service's error type: write `Streaming<_, {expected}>`",
                    method.ident
                ),
            );
        }
    }
}

/// A method marked `message` takes one message and returns one, both named by a path.
fn messages_used_as_they_are(cx: &Ctxt, methods: &[Method<'_>]) {
    for method in methods {
        let Some(span) = method.attrs.message else {
            continue;
        };
        match method.args.as_slice() {
            [arg] => {
                if type_name(arg.ty).is_none() {
                    cx.error_spanned_by(
                        arg.ty,
                        "with `#[wire(message)]` the argument is a message type, named by its path",
                    );
                }
                for attr in &arg.wire_attrs {
                    cx.error_spanned_by(
                        attr,
                        "with `#[wire(message)]` the argument is sent as it is: it takes no `#[wire]` attribute",
                    );
                }
            }
            _ => cx.error_at(
                span,
                format!(
                    "`#[wire(message)]` makes the argument the request itself: `{}` takes exactly one argument, a message type",
                    method.ident
                ),
            ),
        }
        if type_name(method.response_type()).is_none() {
            cx.error_spanned_by(
                method.response_type(),
                "with `#[wire(message)]` the result is a message type, named by its path",
            );
        }
    }
}

/// The variants of the request and response enums have distinct names.
fn distinct_variants(cx: &Ctxt, methods: &[Method<'_>]) {
    for (side, names) in [
        ("request", variants(methods, Method::request_variant)),
        ("response", variants(methods, Method::response_variant)),
    ] {
        let mut seen: HashMap<String, &syn::Ident> = HashMap::new();
        for (method, name) in names {
            match seen.get(&name) {
                Some(first) => cx.error_at(
                    method.span,
                    format!(
                        "`{}` and `{}` both make the {side} variant `{name}`: rename a method, or use distinct message types",
                        first, method.ident
                    ),
                ),
                None => {
                    seen.insert(name, method.ident);
                }
            }
        }
    }
}

/// Each method with the name of its variant.
fn variants<'m, 'a>(
    methods: &'m [Method<'a>],
    variant: impl Fn(&Method<'a>) -> syn::Ident,
) -> Vec<(&'m Method<'a>, String)> {
    methods
        .iter()
        .map(|method| (method, variant(method).to_string()))
        .collect()
}

fn text(node: impl ToTokens) -> String {
    node.into_token_stream().to_string()
}
