//! The pipeline of each derive: parse, check, expand; on errors, the errors and a stub.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use crate::ast::Container;
use crate::ctxt::Ctxt;
use crate::{attr, check, decode, encode, protocol, schema, stub};

/// `#[derive(Message)]`.
pub(crate) fn message(input: &syn::DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let cont = Container::from_ast(&cx, input);
    if let Some(cont) = &cont {
        check::message(&cx, cont);
    }
    let krate = crate_path(input, cont.as_ref());
    match (cx.check(), cont) {
        (Ok(()), Some(cont)) => {
            let encode = encode::expand(&cont, &krate);
            let decode = decode::expand(&cont, &krate);
            let message = message_impl(&cont, &krate);
            let describe = schema::message(&cont, &krate);
            in_anonymous_const(quote!(#encode #decode #message #describe))
        }
        (result, cont) => {
            let errors = result.err().map(|err| err.to_compile_error());
            let with_message = cont.is_some_and(|cont| cont.attrs.id_written.is_some());
            let stub = in_anonymous_const(stub::message(input, &krate, with_message));
            quote!(#errors #stub)
        }
    }
}

/// `#[derive(Protocol)]`.
pub(crate) fn protocol(input: &syn::DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let cont = Container::from_ast(&cx, input);
    if let Some(cont) = &cont {
        check::protocol(&cx, cont);
    }
    let krate = crate_path(input, cont.as_ref());
    match (cx.check(), cont) {
        (Ok(()), Some(cont)) => in_anonymous_const(protocol::expand(&cont, &krate)),
        (result, _) => {
            let errors = result.err().map(|err| err.to_compile_error());
            let stub = in_anonymous_const(stub::protocol(input, &krate));
            quote!(#errors #stub)
        }
    }
}

/// `impl Message` for a type with `#[wire(id = N)]`, under the bounds of `Encode`.
fn message_impl(cont: &Container<'_>, krate: &syn::Path) -> TokenStream {
    let Some(id) = &cont.attrs.id else {
        return TokenStream::new();
    };
    let ident = cont.ident;
    let name = cont.name();
    let id = Literal::u16_suffixed(id.value);
    let generics = encode::generics(cont, krate);
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    quote! {
        #[automatically_derived]
        impl #impl_generics #krate::Message for #ident #ty_generics #where_clause {
            const ID: ::core::primitive::u16 = #id;
            const NAME: &'static ::core::primitive::str = #name;
        }
    }
}

/// `#[wire(crate = "...")]`, or `::wirewright`.
fn crate_path(input: &syn::DeriveInput, cont: Option<&Container<'_>>) -> syn::Path {
    let krate = match cont {
        Some(cont) => cont.attrs.krate.clone(),
        // A union has no model; read its attributes again for the stub's sake (their
        // errors, if any, were reported the first time).
        None => {
            let cx = Ctxt::new();
            let attrs = attr::Container::from_ast(&cx, &input.attrs);
            let _ = cx.check();
            attrs.krate
        }
    };
    krate.unwrap_or_else(|| syn::parse_quote!(::wirewright))
}

/// `const _: () = { ... };`: the impls get a scope of their own, and no name leaks.
fn in_anonymous_const(tokens: TokenStream) -> TokenStream {
    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, unused_attributes, unused_qualifications, clippy::absolute_paths)]
        const _: () = {
            #tokens
        };
    }
}
