//! Rules that involve more than one attribute or node, one function per rule. Each
//! reports to the `Ctxt` and returns, so every broken rule is shown in one compile.

use std::collections::HashMap;

use crate::ast::{Container, Data, Field, Style, Variant};
use crate::ctxt::Ctxt;

/// The rules for `#[derive(Message)]`.
pub(crate) fn message(cx: &Ctxt, cont: &Container<'_>) {
    reserved_lifetime(cx, cont);
    for field in cont.all_fields() {
        one_encoding_per_field(cx, field);
        evolution_attrs_fit_field(cx, field);
    }
    match &cont.data {
        Data::Struct(_, fields) => appended_fields_ascend(cx, fields),
        Data::Enum(variants) => {
            for variant in variants {
                discriminant_has_tag(cx, variant);
                catch_all_has_one_unknown_variant(cx, variant);
                if cont.evolvable() {
                    appended_fields_ascend(cx, &variant.fields);
                } else {
                    frozen_variant_does_not_evolve(cx, variant);
                }
            }
            unique_tags(cx, variants);
            one_catch_all(cx, variants);
        }
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
            protocol_is_not_evolvable(cx, cont);
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
    for variant in variants.iter().filter(|variant| !variant.is_other()) {
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
    if let Some(other) = variant.attrs.other {
        cx.error_at(
            other,
            "a Protocol has no catch-all variant: a frame of a message type the protocol \
             does not define is answered with an unknown-message-type error",
        );
    }
}

/// A protocol is no block: each message's payload evolves as a top-level message does.
fn protocol_is_not_evolvable(cx: &Ctxt, cont: &Container<'_>) {
    if let Some(span) = cont.attrs.evolvable {
        cx.error_at(
            span,
            "a Protocol cannot be `evolvable`: its messages evolve as top-level payloads \
             already; mark the nested types that evolve instead",
        );
    }
}

/// `since`, `default` and `unknown` each fit only some fields.
fn evolution_attrs_fit_field(cx: &Ctxt, field: &Field<'_>) {
    let attrs = &field.attrs;
    if let Some(since) = &attrs.since {
        if since.value < 2 {
            cx.error_at(
                since.span,
                format!(
                    "`since = {}`: revisions count from 1, the type's first definition, so \
                     a field appended later has `since = 2` or more",
                    since.value
                ),
            );
        }
        if attrs.skip.is_some() {
            cx.error_at(
                since.span,
                "`since` cannot be combined with `skip`: a skipped field is not on the wire",
            );
        }
    }
    if let (Some(default), None) = (&attrs.default, &attrs.since) {
        cx.error_at(
            default.span,
            "`default` gives an appended field its value when a block from an older \
             revision ends before it; add `since = N`, the revision that appended it",
        );
    }
    if attrs.unknown.is_some() {
        let others = [
            attrs.fixed.map(|span| (span, "fixed")),
            attrs.skip.map(|span| (span, "skip")),
            attrs.with.as_ref().map(|with| (with.span, "with")),
            attrs.since.as_ref().map(|since| (since.span, "since")),
        ];
        for (span, key) in others.into_iter().flatten() {
            cx.error_at(
                span,
                format!(
                    "`{key}` cannot be combined with `unknown`: the field holds the bytes \
                     this definition does not know, as received"
                ),
            );
        }
    }
}

/// Revisions never go back: a field appended in revision 3 cannot come before one of
/// revision 2, and a field without `since` (revision 1) cannot follow an appended one,
/// because a reader fills defaults for everything after the point where a block ends.
/// The `unknown` field, which holds what comes after all of them, is the last field.
fn appended_fields_ascend(cx: &Ctxt, fields: &[Field<'_>]) {
    let mut latest: Option<(u32, &Field<'_>)> = None;
    let mut unknown: Option<&Field<'_>> = None;
    for field in fields {
        if matches!(field.attrs.encoding(), crate::attr::Encoding::Skip) {
            continue;
        }
        if let Some(holder) = unknown {
            cx.error_spanned_by(
                field.ty,
                format!(
                    "field `{}` comes after `{}`, which holds the unknown data at the end \
                     of the block; make `{}` the last field",
                    field.name(),
                    holder.name(),
                    holder.name()
                ),
            );
        }
        if field.attrs.unknown.is_some() {
            unknown = Some(field);
            continue;
        }
        let revision = field.attrs.since.as_ref().map_or(1, |since| since.value);
        if let Some((previous, before)) = latest {
            if revision < previous {
                let message = format!(
                    "field `{}` (revision {revision}) follows `{}` (revision {previous}): \
                     fields are appended in order, so each field's `since` is at least \
                     that of the field before it",
                    field.name(),
                    before.name()
                );
                match &field.attrs.since {
                    Some(since) => cx.error_at(since.span, message),
                    None => cx.error_spanned_by(field.ty, message),
                }
            }
        }
        if latest.is_none_or(|(previous, _)| revision >= previous) {
            latest = Some((revision, field));
        }
    }
}

/// A frozen enum's variant is not a block, so an older reader could not find where an
/// appended field ends: appending needs `#[wire(evolvable)]` on the enum.
fn frozen_variant_does_not_evolve(cx: &Ctxt, variant: &Variant<'_>) {
    if let Some(other) = variant.attrs.other {
        cx.error_at(
            other,
            "a catch-all variant needs `#[wire(evolvable)]` on the enum: only an \
             evolvable enum's variants carry the length that lets a reader skip a variant \
             it does not know",
        );
    }
    for field in &variant.fields {
        let attrs = &field.attrs;
        let spans = [
            attrs.since.as_ref().map(|since| (since.span, "since")),
            attrs.unknown.map(|span| (span, "unknown")),
        ];
        for (span, key) in spans.into_iter().flatten() {
            cx.error_at(
                span,
                format!(
                    "`{key}` in a variant needs `#[wire(evolvable)]` on the enum: a frozen \
                     enum's variant has no length, so an older reader could not skip what \
                     was appended to it"
                ),
            );
        }
    }
}

/// The catch-all is `#[wire(other)] Name(UnknownVariant)`: it has no tag of its own and
/// holds the unknown variant's tag and bytes.
fn catch_all_has_one_unknown_variant(cx: &Ctxt, variant: &Variant<'_>) {
    let Some(other) = variant.attrs.other else {
        return;
    };
    if let Some(tag) = &variant.attrs.tag {
        cx.error_at(
            tag.span,
            "the catch-all variant has no tag of its own: it holds every tag the enum \
             does not define",
        );
    }
    let one_plain_field = variant.style == Style::Tuple
        && variant.fields.len() == 1
        && matches!(
            variant.fields[0].attrs.encoding(),
            crate::attr::Encoding::Default
        )
        && variant.fields[0].attrs.since.is_none();
    if !one_plain_field {
        cx.error_at(
            other,
            format!(
                "the catch-all variant `{}` must hold exactly one `wirewright::UnknownVariant` \
                 (the unknown variant's tag and bytes), as in \
                 `#[wire(other)] Unknown(wirewright::UnknownVariant)`",
                variant.ident
            ),
        );
    }
}

/// One catch-all per enum: two could not be told apart.
fn one_catch_all(cx: &Ctxt, variants: &[Variant<'_>]) {
    let mut first: Option<&Variant<'_>> = None;
    for variant in variants {
        let Some(other) = variant.attrs.other else {
            continue;
        };
        match first {
            Some(first) => cx.error_at(
                other,
                format!(
                    "a second catch-all variant: `{}` already holds the tags the enum does \
                     not define",
                    first.ident
                ),
            ),
            None => first = Some(variant),
        }
    }
}

fn protocol_field_has_no_attrs(cx: &Ctxt, field: &Field<'_>) {
    let attrs = &field.attrs;
    let spans = [
        attrs.fixed,
        attrs.skip,
        attrs.with.as_ref().map(|with| with.span),
        attrs.since.as_ref().map(|since| since.span),
        attrs.default.as_ref().map(|default| default.span),
        attrs.unknown,
    ];
    for span in spans.into_iter().flatten() {
        cx.error_at(
            span,
            "a Protocol variant's message is encoded by its own Encode impl; field \
             attributes do not apply here",
        );
    }
}
