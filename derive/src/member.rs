//! The variants of a `#[derive(Protocol)]` enum as the expanders read them: each one's
//! name and the message type it holds.

use proc_macro2::Span;

use crate::ast::Variant;

/// One variant of a protocol: its name and its message type.
pub(crate) struct Member<'a> {
    pub(crate) ident: &'a syn::Ident,
    pub(crate) ty: &'a syn::Type,
    pub(crate) span: Span,
}

/// The variant's single message type (others were rejected by `check::protocol`).
pub(crate) fn member<'a>(variant: &'a Variant<'a>) -> Option<Member<'a>> {
    match variant.fields.as_slice() {
        [field] => Some(Member {
            ident: variant.ident,
            ty: field.ty,
            span: field.span(),
        }),
        _ => None,
    }
}
