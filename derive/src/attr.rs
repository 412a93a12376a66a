//! `#[wire(...)]` attributes, parsed once into typed values.
//!
//! Each parser reads every `#[wire]` attribute on one node and reports every mistake it
//! finds to the [`Ctxt`] (unknown key, malformed value, key given twice) before moving on
//! to the next key, so that one compile shows them all. Rules that involve more than one
//! attribute or node live in `check.rs`.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::meta::ParseNestedMeta;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Token, WherePredicate};

use crate::ctxt::Ctxt;

/// The name of our attribute.
const WIRE: &str = "wire";

/// A value together with where the user wrote it.
pub(crate) struct WithSpan<T> {
    pub(crate) value: T,
    pub(crate) span: Span,
}

/// Attributes of the type: `#[wire(id = 1, crate = "path", bound = "...", evolvable)]`.
#[derive(Default)]
pub(crate) struct Container {
    /// `id = N`: the message-type id, which makes the type a `Message`.
    pub(crate) id: Option<WithSpan<u16>>,
    /// Set when an `id` key was written, even if its value was malformed: the error stub
    /// then still implements `Message`, so uses of `T::ID` do not add errors of their own.
    pub(crate) id_written: Option<Span>,
    /// `crate = "path"`: where the runtime is, for crates that re-export it.
    pub(crate) krate: Option<syn::Path>,
    /// `bound = "..."` or `bound(encode = "...", decode = "...")`.
    pub(crate) bound: Bound,
    /// `evolvable`: the value is a block (a length, then the body), so it can evolve
    /// where it is nested (SPEC.md §12.3).
    pub(crate) evolvable: Option<Span>,
}

/// Where clauses that replace the inferred ones.
#[derive(Default)]
pub(crate) struct Bound {
    /// For `Encode` (and `Message`, `Protocol`).
    pub(crate) encode: Option<Vec<WherePredicate>>,
    /// For `Decode<'de>` (and `DecodeProtocol<'de>`); may name `'de`.
    pub(crate) decode: Option<Vec<WherePredicate>>,
}

/// Attributes of an enum variant: `#[wire(tag = N)]`, `#[wire(other)]`.
#[derive(Default)]
pub(crate) struct Variant {
    /// The explicit wire tag.
    pub(crate) tag: Option<WithSpan<u32>>,
    /// `other`: the catch-all of an evolvable enum, holding variants this definition does
    /// not know.
    pub(crate) other: Option<Span>,
}

/// Attributes of a field: `#[wire(fixed)]`, `#[wire(skip)]`, `#[wire(with = "module")]`.
#[derive(Default)]
pub(crate) struct Field {
    /// `fixed`: little-endian at full width through `FixedInt`.
    pub(crate) fixed: Option<Span>,
    /// `skip`: not on the wire, decoded as `Default::default()`.
    pub(crate) skip: Option<Span>,
    /// `with = "module"`: encoded by the module's functions.
    pub(crate) with: Option<WithSpan<syn::Path>>,
    /// `since = N`: the revision that appended the field (2 or more).
    pub(crate) since: Option<WithSpan<u32>>,
    /// `default = "path"`: the function giving an appended field's value when the block
    /// ends before it (instead of `Default::default`).
    pub(crate) default: Option<WithSpan<syn::Path>>,
    /// `unknown`: the field keeps the unknown tail of the block.
    pub(crate) unknown: Option<Span>,
}

/// How a field travels, once `check.rs` has made sure at most one attribute chose.
pub(crate) enum Encoding<'a> {
    /// Through the field type's own `Encode` and `Decode`.
    Default,
    /// Through `FixedInt`.
    Fixed,
    /// Not at all.
    Skip,
    /// Through the functions of a module.
    With(&'a syn::Path),
    /// The block's unknown tail, kept in an `UnknownFields`.
    Unknown,
}

/// The span for calls into a `with` module: the attribute's string, where the path was
/// written (so a missing function is reported there), with call-site hygiene.
pub(crate) fn with_span(module: &syn::Path) -> Span {
    Span::call_site().located_at(module.span())
}

impl Field {
    /// The field's encoding. With conflicting attributes (already reported) `skip` wins,
    /// then `unknown`, then `with`, then `fixed`.
    pub(crate) fn encoding(&self) -> Encoding<'_> {
        if self.skip.is_some() {
            Encoding::Skip
        } else if self.unknown.is_some() {
            Encoding::Unknown
        } else if let Some(with) = &self.with {
            Encoding::With(&with.value)
        } else if self.fixed.is_some() {
            Encoding::Fixed
        } else {
            Encoding::Default
        }
    }
}

impl Container {
    /// Reads the `#[wire]` attributes of a type.
    pub(crate) fn from_ast(cx: &Ctxt, attrs: &[syn::Attribute]) -> Self {
        let mut out = Container::default();
        for_each_wire_meta(cx, attrs, |meta| {
            if meta.path.is_ident("id") {
                let span = meta.path.span();
                if out.id_written.is_some() {
                    duplicate(cx, &meta);
                    return skip_value(&meta);
                }
                out.id_written = Some(span);
                if let Some(id) = int_value::<u16>(cx, &meta, "id", "a message id", "1")? {
                    out.id = Some(id);
                }
            } else if meta.path.is_ident("crate") {
                let path = path_value(cx, &meta, "crate", "my_crate::wire")?;
                set_once(cx, &meta, &mut out.krate, path);
            } else if meta.path.is_ident("bound") {
                parse_bound(cx, &meta, &mut out.bound)?;
            } else if meta.path.is_ident("evolvable") {
                let span = flag_value(cx, &meta, "evolvable")?;
                set_once(cx, &meta, &mut out.evolvable, Some(span));
            } else {
                unknown(cx, &meta, "a type", "`id`, `crate`, `bound` or `evolvable`");
                skip_value(&meta)?;
            }
            Ok(())
        });
        out
    }
}

impl Variant {
    /// Reads the `#[wire]` attributes of an enum variant.
    pub(crate) fn from_ast(cx: &Ctxt, attrs: &[syn::Attribute]) -> Self {
        let mut out = Variant::default();
        for_each_wire_meta(cx, attrs, |meta| {
            if meta.path.is_ident("tag") {
                let tag = int_value::<u32>(cx, &meta, "tag", "a variant tag", "1")?;
                set_once(cx, &meta, &mut out.tag, tag);
            } else if meta.path.is_ident("other") {
                let span = flag_value(cx, &meta, "other")?;
                set_once(cx, &meta, &mut out.other, Some(span));
            } else {
                unknown(cx, &meta, "a variant", "`tag` or `other`");
                skip_value(&meta)?;
            }
            Ok(())
        });
        out
    }
}

impl Field {
    /// Reads the `#[wire]` attributes of a field.
    pub(crate) fn from_ast(cx: &Ctxt, attrs: &[syn::Attribute]) -> Self {
        let mut out = Field::default();
        for_each_wire_meta(cx, attrs, |meta| {
            if meta.path.is_ident("fixed") {
                let span = flag_value(cx, &meta, "fixed")?;
                set_once(cx, &meta, &mut out.fixed, Some(span));
            } else if meta.path.is_ident("skip") {
                let span = flag_value(cx, &meta, "skip")?;
                set_once(cx, &meta, &mut out.skip, Some(span));
            } else if meta.path.is_ident("with") {
                let span = meta.path.span();
                let path = path_value(cx, &meta, "with", "my_module")?;
                let with = path.map(|value| WithSpan { value, span });
                set_once(cx, &meta, &mut out.with, with);
            } else if meta.path.is_ident("since") {
                let since = int_value::<u32>(cx, &meta, "since", "a revision", "2")?;
                set_once(cx, &meta, &mut out.since, since);
            } else if meta.path.is_ident("default") {
                let span = meta.path.span();
                let path = path_value(cx, &meta, "default", "my_module::default_port")?;
                let default = path.map(|value| WithSpan { value, span });
                set_once(cx, &meta, &mut out.default, default);
            } else if meta.path.is_ident("unknown") {
                let span = flag_value(cx, &meta, "unknown")?;
                set_once(cx, &meta, &mut out.unknown, Some(span));
            } else {
                unknown(
                    cx,
                    &meta,
                    "a field",
                    "`fixed`, `skip`, `with`, `since`, `default` or `unknown`",
                );
                skip_value(&meta)?;
            }
            Ok(())
        });
        out
    }
}

/// Calls `parse` for each `key ...` inside every `#[wire(...)]` in `attrs`. A syntax
/// error ends that one attribute (its remaining keys cannot be found reliably) and is
/// reported; the other attributes are still read.
pub(crate) fn for_each_wire_meta<F>(cx: &Ctxt, attrs: &[syn::Attribute], mut parse: F)
where
    F: FnMut(ParseNestedMeta<'_>) -> syn::Result<()>,
{
    for attr in attrs.iter().filter(|attr| attr.path().is_ident(WIRE)) {
        if let Err(err) = attr.parse_nested_meta(&mut parse) {
            cx.syn_error(err);
        }
    }
}

/// Stores `value` in `slot` unless it is already set, which is an error on the second key.
pub(crate) fn set_once<T>(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    slot: &mut Option<T>,
    value: Option<T>,
) {
    if slot.is_some() {
        duplicate(cx, meta);
    } else if value.is_some() {
        *slot = value;
    }
}

pub(crate) fn duplicate(cx: &Ctxt, meta: &ParseNestedMeta<'_>) {
    cx.error_spanned_by(
        &meta.path,
        format!("duplicate wire attribute `{}`", key_name(&meta.path)),
    );
}

pub(crate) fn unknown(cx: &Ctxt, meta: &ParseNestedMeta<'_>, on: &str, expected: &str) {
    cx.error_spanned_by(
        &meta.path,
        format!(
            "unknown wire attribute `{}` on {on}; expected {expected}",
            key_name(&meta.path)
        ),
    );
}

fn key_name(path: &syn::Path) -> String {
    path.to_token_stream().to_string().replace(' ', "")
}

/// Consumes whatever follows an unknown or duplicate key (`= value` or `(...)`), so the
/// keys after it are still read.
pub(crate) fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<syn::Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.input.parse::<TokenTree>()?;
    }
    Ok(())
}

/// A key without a value, such as `fixed`; returns its span.
pub(crate) fn flag_value(cx: &Ctxt, meta: &ParseNestedMeta<'_>, key: &str) -> syn::Result<Span> {
    if !meta.input.is_empty() && !meta.input.peek(Token![,]) {
        cx.error_spanned_by(
            &meta.path,
            format!("`{key}` takes no value: write `#[wire({key})]`"),
        );
        skip_value(meta)?;
    }
    Ok(meta.path.span())
}

/// `key = <integer literal>`, checked against the range of `T`. `Ok(None)` when the
/// value is malformed (and reported).
pub(crate) fn int_value<T>(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    key: &str,
    what: &str,
    example: &str,
) -> syn::Result<Option<WithSpan<T>>>
where
    T: std::str::FromStr + Bounded,
    T::Err: std::fmt::Display,
{
    let expr: syn::Expr = meta.value()?.parse()?;
    let int = match &expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(int),
            ..
        }) => int,
        _ => {
            cx.error_spanned_by(
                &expr,
                format!(
                    "expected an integer literal for `{key}`, as in `#[wire({key} = {example})]`"
                ),
            );
            return Ok(None);
        }
    };
    match int.base10_parse::<T>() {
        Ok(value) => Ok(Some(WithSpan {
            value,
            span: int.span(),
        })),
        Err(_) => {
            cx.error_spanned_by(
                int,
                format!(
                    "{what} must be an integer from 0 to {}, found `{}`",
                    T::MAX_TEXT,
                    int
                ),
            );
            Ok(None)
        }
    }
}

/// The largest value of an attribute's integer type, for error messages.
pub(crate) trait Bounded {
    const MAX_TEXT: &'static str;
}

impl Bounded for u16 {
    const MAX_TEXT: &'static str = "65535";
}

impl Bounded for u32 {
    const MAX_TEXT: &'static str = "4294967295";
}

/// `key = "a::path"`. `Ok(None)` when the value is malformed (and reported).
pub(crate) fn path_value(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    key: &str,
    example: &str,
) -> syn::Result<Option<syn::Path>> {
    let Some(lit) = string_value(cx, meta, key, example)? else {
        return Ok(None);
    };
    match lit.parse_with(syn::Path::parse_mod_style) {
        Ok(path) => Ok(Some(respan(path, lit.span()))),
        Err(_) => {
            cx.error_spanned_by(
                &lit,
                format!("`{key}` expects a path, as in `#[wire({key} = \"{example}\")]`"),
            );
            Ok(None)
        }
    }
}

/// `key = "string"`. `Ok(None)` when the value is not a string literal (and reported).
fn string_value(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    key: &str,
    example: &str,
) -> syn::Result<Option<syn::LitStr>> {
    let expr: syn::Expr = meta.value()?.parse()?;
    match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(lit),
            ..
        }) => Ok(Some(lit)),
        other => {
            cx.error_spanned_by(
                &other,
                format!("expected a string for `{key}`, as in `#[wire({key} = \"{example}\")]`"),
            );
            Ok(None)
        }
    }
}

/// `bound = "..."` (both impls) or `bound(encode = "...", decode = "...")`.
fn parse_bound(cx: &Ctxt, meta: &ParseNestedMeta<'_>, bound: &mut Bound) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        let predicates = where_value(cx, meta, "bound")?;
        if bound.encode.is_some() || bound.decode.is_some() {
            duplicate(cx, meta);
        } else if let Some(predicates) = predicates {
            bound.encode = Some(predicates.clone());
            bound.decode = Some(predicates);
        }
        return Ok(());
    }
    meta.parse_nested_meta(|inner| {
        let slot = if inner.path.is_ident("encode") {
            &mut bound.encode
        } else if inner.path.is_ident("decode") {
            &mut bound.decode
        } else {
            unknown(cx, &inner, "`bound(...)`", "`encode` or `decode`");
            return skip_value(&inner);
        };
        let predicates = where_value(cx, &inner, "bound")?;
        set_once(cx, &inner, slot, predicates);
        Ok(())
    })
}

/// `= "T: Trait, U: Other"`, parsed as where-clause predicates.
fn where_value(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    key: &str,
) -> syn::Result<Option<Vec<WherePredicate>>> {
    let Some(lit) = string_value(cx, meta, key, "T: wirewright::Encode")? else {
        return Ok(None);
    };
    let parser = Punctuated::<WherePredicate, Token![,]>::parse_terminated;
    match lit.parse_with(parser) {
        Ok(predicates) => Ok(Some(
            predicates
                .into_iter()
                .map(|predicate| respan(predicate, lit.span()))
                .collect(),
        )),
        Err(err) => {
            cx.error_spanned_by(
                &lit,
                format!("`{key}` expects where-clause predicates: {err}"),
            );
            Ok(None)
        }
    }
}

/// A node parsed from a string literal, with every token placed at the literal: errors
/// that involve it (a missing module function, say) then point at the attribute.
fn respan<T: syn::parse::Parse + ToTokens>(node: T, span: Span) -> T {
    let tokens = respan_tokens(node.to_token_stream(), span);
    // Re-parsing the tokens of a node just printed cannot fail.
    syn::parse2(tokens).unwrap_or(node)
}

/// `tokens` with every token placed at `span`.
pub(crate) fn respan_tokens(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let TokenTree::Group(group) = &mut token {
                let mut respanned =
                    proc_macro2::Group::new(group.delimiter(), respan_tokens(group.stream(), span));
                respanned.set_span(span);
                *group = respanned;
            } else {
                token.set_span(span);
            }
            token
        })
        .collect()
}
