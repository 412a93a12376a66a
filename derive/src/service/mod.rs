//! `#[service]`: a trait of `async fn`s becomes a protocol, a typed client and a server
//! adapter. Parse (`attr.rs`, `ast.rs`), check (`check.rs`), expand (`expand.rs`); on
//! mistakes, every error and the trait without our attributes, so that the mistakes are
//! all the user sees.

mod ast;
mod attr;
mod check;
mod expand;

use proc_macro2::TokenStream;
use quote::quote;

use crate::ctxt::Ctxt;

/// `#[service]` on `input`, with the macro's arguments `args`.
pub(crate) fn expand(args: TokenStream, input: TokenStream) -> TokenStream {
    let item: syn::ItemTrait = match syn::parse2(input) {
        Ok(item) => item,
        Err(err) => {
            let message = syn::Error::new(
                err.span(),
                format!("#[service] applies to a trait of `async fn`s: {err}"),
            );
            return message.to_compile_error();
        }
    };
    let cx = Ctxt::new();
    let attrs = attr::Service::from_args(&cx, args);
    let service = ast::Service::from_ast(&cx, &item, attrs);
    let krate = service
        .attrs
        .krate
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(::wirewright));
    check::service(&cx, &service);
    match cx.check() {
        Ok(()) => expand::service(&service, &krate),
        Err(errors) => {
            let errors = errors.to_compile_error();
            let stub = stub(item);
            quote!(#errors #stub)
        }
    }
}

/// The trait as written, without `#[wire]` attributes (which would add errors of their
/// own), so that uses of it do not add errors to the ones reported.
fn stub(mut item: syn::ItemTrait) -> TokenStream {
    for trait_item in &mut item.items {
        if let syn::TraitItem::Fn(method) = trait_item {
            method.attrs.retain(|attr| !attr::is_wire(attr));
            for input in &mut method.sig.inputs {
                if let syn::FnArg::Typed(typed) = input {
                    typed.attrs.retain(|attr| !attr::is_wire(attr));
                }
            }
        }
    }
    quote!(#item)
}
