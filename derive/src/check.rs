//! Rules that involve more than one attribute or node, one function per rule. Each
//! reports to the `Ctxt` and returns, so every broken rule is shown in one compile.

use std::collections::HashMap;

use crate::ast::{Container, Data, Field, Style};
use crate::ctxt::Ctxt;

/// The rules for `#[derive(Message)]`.
pub(crate) fn message(cx: &Ctxt, cont: &Container<'_>) {
    reserved_lifetime(cx, cont);
    for field in cont.all_fields() {
        one_encoding_per_field(cx, field);
    }
    if let Data::Enum(variants) = &cont.data {
        for variant in variants {
            discriminant_has_tag(cx, variant);
        }
        unique_tags(cx, variants);
    }
}

/// The rules for `#[derive(Protocol)]`.
pub(crate) fn protocol(cx: &Ctxt, cont: &Container<'_>) {
    reserved_lifetime(cx, cont);
    protocol_has_no_id(cx, cont);
    match &cont.data {
        Data::Struct(..) => cx.error_spanned_by(
            cont.ident,
            "#[derive(Protocol)] needs an enum with one variant per message type, as in \
             `enum Chat { Join(Join), Say(Say) }`; use #[derive(Message)] for a struct",
        ),
        Data::Enum(variants) => {
            for variant in variants {
                protocol_variant_is_one_message(cx, variant);
                protocol_variant_has_no_tag(cx, variant);
                for field in &variant.fields {
                    protocol_field_has_no_attrs(cx, field);
                }
            }
        }
    }
}

/// The derived `Decode` impl names its input lifetime `'de`, so the type cannot.
fn reserved_lifetime(cx: &Ctxt, cont: &Container<'_>) {
    for param in cont.generics.lifetimes() {
        if param.lifetime.ident == "de" {
            cx.error_spanned_by(
                &param.lifetime,
                "the lifetime `'de` is reserved by wirewright's derive for the input of \
                 `Decode<'de>`; rename it",
            );
        }
    }
}

/// `fixed`, `skip` and `with` each choose how the field travels: at most one may.
fn one_encoding_per_field(cx: &Ctxt, field: &Field<'_>) {
    let attrs = &field.attrs;
    if let (Some(_), Some(fixed)) = (attrs.skip, attrs.fixed) {
        cx.error_at(
            fixed,
            "`fixed` cannot be combined with `skip`: a skipped field is not on the wire",
        );
    }
    if let (Some(_), Some(with)) = (attrs.skip, &attrs.with) {
        cx.error_at(
            with.span,
            "`with` cannot be combined with `skip`: a skipped field is not on the wire",
        );
    }
    if let (Some(_), Some(fixed)) = (&attrs.with, attrs.fixed) {
        cx.error_at(
            fixed,
            "`fixed` cannot be combined with `with`: the module decides the encoding",
        );
    }
}

/// A Rust discriminant (`A = 5`) is not the wire tag; ask for the tag to be written out
/// so that nobody reads one for the other.
fn discriminant_has_tag(cx: &Ctxt, variant: &crate::ast::Variant<'_>) {
    if let (Some((_, discriminant)), None) = (&variant.original.discriminant, &variant.attrs.tag) {
        cx.error_spanned_by(
            discriminant,
            format!(
                "the wire tag of `{}` does not follow its Rust discriminant; write the tag \
                 explicitly with `#[wire(tag = N)]`",
                variant.ident
            ),
        );
    }
}

/// Two variants with one tag could not be told apart when decoding. The error goes on
/// the second variant.
fn unique_tags(cx: &Ctxt, variants: &[crate::ast::Variant<'_>]) {
    let mut seen: HashMap<u32, &syn::Ident> = HashMap::new();
    for variant in variants {
        match seen.get(&variant.tag) {
            Some(first) => {
                let message = format!(
                    "duplicate wire tag {}: variant `{}` has the same tag as `{}`",
                    variant.tag, variant.ident, first
                );
                match &variant.attrs.tag {
                    Some(tag) => cx.error_at(tag.span, message),
                    None => cx.error_spanned_by(variant.ident, message),
                }
            }
            None => {
                seen.insert(variant.tag, variant.ident);
            }
        }
    }
}

/// A protocol's ids come from its message types, not from the protocol.
fn protocol_has_no_id(cx: &Ctxt, cont: &Container<'_>) {
    if let Some(span) = cont.attrs.id_written {
        cx.error_at(
            span,
            "a Protocol has no id of its own: each message type carries one, as in \
             `#[derive(Message)] #[wire(id = 1)] struct Join { .. }`",
        );
    }
}

/// Each variant wraps exactly one message type, whose id selects the variant.
fn protocol_variant_is_one_message(cx: &Ctxt, variant: &crate::ast::Variant<'_>) {
    if variant.style != Style::Tuple || variant.fields.len() != 1 {
        cx.error_spanned_by(
            variant.original,
            format!(
                "Protocol variant `{}` must hold exactly one message type (a type that \
                 derives Message with an id), as in `Join(Join)`",
                variant.ident
            ),
        );
    }
}

fn protocol_variant_has_no_tag(cx: &Ctxt, variant: &crate::ast::Variant<'_>) {
    if let Some(tag) = &variant.attrs.tag {
        cx.error_at(
            tag.span,
            "Protocol variants have no tag: the message id in the frame header selects the variant",
        );
    }
}

fn protocol_field_has_no_attrs(cx: &Ctxt, field: &Field<'_>) {
    let attrs = &field.attrs;
    let spans = [
        attrs.fixed,
        attrs.skip,
        attrs.with.as_ref().map(|with| with.span),
    ];
    for span in spans.into_iter().flatten() {
        cx.error_at(
            span,
            "a Protocol variant's message is encoded by its own Encode impl; field \
             attributes do not apply here",
        );
    }
}
