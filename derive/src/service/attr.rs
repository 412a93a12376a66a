//! The attributes of a service: the macro's own arguments (`crate = "path"`) and the
//! `#[wire(...)]` attributes of its methods, parsed once into typed values.

use proc_macro2::{Span, TokenStream};

use crate::attr::{
    duplicate, flag_value, for_each_wire_meta, int_value, path_value, set_once, skip_value,
    unknown, WithSpan,
};
use crate::ctxt::Ctxt;

/// The macro's arguments: `#[wirewright::service(crate = "path")]`.
#[derive(Default)]
pub(crate) struct Service {
    /// `crate = "path"`: where the runtime is, for crates that re-export it.
    pub(crate) krate: Option<syn::Path>,
}

/// The attributes of a method: `#[wire(id = N, idempotent, message)]`.
#[derive(Default)]
pub(crate) struct Method {
    /// `id = N`: the method's stable id, the message id of its request and response.
    pub(crate) id: Option<WithSpan<u16>>,
    /// Set when an `id` key was written, even if its value was malformed.
    pub(crate) id_written: bool,
    /// `idempotent`: calls may be sent again after a lost connection.
    pub(crate) idempotent: Option<Span>,
    /// `message`: the argument and the result are messages of their own (each with the
    /// method's id), used on the wire as they are.
    pub(crate) message: Option<Span>,
}

impl Service {
    /// Reads the macro's arguments.
    pub(crate) fn from_args(cx: &Ctxt, args: TokenStream) -> Self {
        let mut out = Service::default();
        if args.is_empty() {
            return out;
        }
        let parser = syn::meta::parser(|meta| {
            if meta.path.is_ident("crate") {
                let path = path_value(cx, &meta, "crate", "my_crate::wire")?;
                set_once(cx, &meta, &mut out.krate, path);
            } else {
                unknown(cx, &meta, "a service", "`crate`");
                skip_value(&meta)?;
            }
            Ok(())
        });
        if let Err(err) = syn::parse::Parser::parse2(parser, args) {
            cx.syn_error(err);
        }
        out
    }
}

impl Method {
    /// Reads the `#[wire]` attributes of a method.
    pub(crate) fn from_ast(cx: &Ctxt, attrs: &[syn::Attribute]) -> Self {
        let mut out = Method::default();
        for_each_wire_meta(cx, attrs, |meta| {
            if meta.path.is_ident("id") {
                if out.id_written {
                    duplicate(cx, &meta);
                    return skip_value(&meta);
                }
                out.id_written = true;
                if let Some(id) = int_value::<u16>(cx, &meta, "id", "a method id", "1")? {
                    out.id = Some(id);
                }
            } else if meta.path.is_ident("idempotent") {
                let span = flag_value(cx, &meta, "idempotent")?;
                set_once(cx, &meta, &mut out.idempotent, Some(span));
            } else if meta.path.is_ident("message") {
                let span = flag_value(cx, &meta, "message")?;
                set_once(cx, &meta, &mut out.message, Some(span));
            } else {
                unknown(
                    cx,
                    &meta,
                    "a service method",
                    "`id`, `idempotent` or `message`",
                );
                skip_value(&meta)?;
            }
            Ok(())
        });
        out
    }
}

/// Whether `attr` is one of ours (`#[wire(...)]`), which the expanded trait must not keep.
pub(crate) fn is_wire(attr: &syn::Attribute) -> bool {
    attr.path().is_ident("wire")
}
