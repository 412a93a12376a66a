//! What the derive emits next to its errors: impls with the right signatures and no
//! body, so that code using the type compiles far enough to show only the real mistake
//! (one error, not one per use of the type).

use proc_macro2::TokenStream;
use quote::quote;

use crate::bound;

/// `Encode`, `Decode<'de>` and, when an `id` was written, `Message`.
pub(crate) fn message(
    input: &syn::DeriveInput,
    krate: &syn::Path,
    with_message: bool,
) -> TokenStream {
    let ident = &input.ident;
    let name = ident.to_string();
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let de_generics = de_generics(&input.generics);
    let (de_impl_generics, _, de_where_clause) = de_generics.split_for_impl();
    let encode = encode_stub(input, krate);
    let message = with_message.then(|| {
        quote! {
            impl #impl_generics #krate::Message for #ident #ty_generics #where_clause {
                const ID: ::core::primitive::u16 = 0;
                const NAME: &'static ::core::primitive::str = #name;
            }
        }
    });
    quote! {
        #encode
        impl #de_impl_generics #krate::Decode<'de> for #ident #ty_generics #de_where_clause {
            const MIN_ENCODED_LEN: ::core::primitive::usize = 0;
            fn decode_raw(
                _: &mut #krate::Reader<'de>,
            ) -> ::core::result::Result<Self, #krate::DecodeError> {
                ::core::unimplemented!()
            }
        }
        #message
    }
}

/// `Encode`, `Protocol` and `DecodeProtocol<'de>`.
pub(crate) fn protocol(input: &syn::DeriveInput, krate: &syn::Path) -> TokenStream {
    let ident = &input.ident;
    let name = ident.to_string();
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let de_generics = de_generics(&input.generics);
    let (de_impl_generics, _, de_where_clause) = de_generics.split_for_impl();
    let encode = encode_stub(input, krate);
    quote! {
        #encode
        impl #impl_generics #krate::Protocol for #ident #ty_generics #where_clause {
            fn message_type(&self) -> ::core::primitive::u16 {
                ::core::unimplemented!()
            }
            fn message_name(&self) -> &'static ::core::primitive::str {
                ::core::unimplemented!()
            }
        }
        impl #de_impl_generics #krate::DecodeProtocol<'de> for #ident #ty_generics #de_where_clause {
            const PROTOCOL_NAME: &'static ::core::primitive::str = #name;
            fn accepts(_: ::core::primitive::u16) -> ::core::primitive::bool {
                ::core::unimplemented!()
            }
            fn decode_message(
                _: ::core::primitive::u16,
                _: &mut #krate::Reader<'de>,
            ) -> ::core::result::Result<Self, #krate::FrameError> {
                ::core::unimplemented!()
            }
        }
    }
}

fn encode_stub(input: &syn::DeriveInput, krate: &syn::Path) -> TokenStream {
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    quote! {
        impl #impl_generics #krate::Encode for #ident #ty_generics #where_clause {
            fn encoded_len(&self) -> ::core::primitive::usize {
                ::core::unimplemented!()
            }
            fn encode_raw<__WireBuf>(&self, _: &mut __WireBuf)
            where
                __WireBuf: #krate::bytes::BufMut + ?::core::marker::Sized,
            {
                ::core::unimplemented!()
            }
        }
    }
}

/// The type's generics with `'de` added, unless the type already (wrongly) declares a
/// `'de` of its own, which has been reported.
fn de_generics(generics: &syn::Generics) -> syn::Generics {
    if generics
        .lifetimes()
        .any(|param| param.lifetime.ident == "de")
    {
        generics.clone()
    } else {
        bound::with_de_lifetime(generics)
    }
}
