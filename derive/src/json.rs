//! The JSON side of `#[derive(Protocol)]`: `SerializeMessage` writes the message a variant
//! holds, `DeserializeMessage<'de>` picks the variant from the header's message id and
//! reads that message.
//!
//! The derive writes these impls whatever its features are, inside the runtime's
//! `__json_impls!`, which keeps them when the runtime's `json` feature is on and drops
//! them when it is off: the macro's output depends on its input only.
//!
//! Whether the message types implement serde's traits is not known to the macro, so each
//! impl is bounded by `for<'__wire_json> Msg: Serialize` (or `Deserialize<'de>`) per
//! message type. A bound on a concrete type that does not hold would be an error
//! ("trivially false"); under a `for<...>` binder it is checked where the impl is used
//! instead, so a protocol whose messages do not derive serde still compiles and simply
//! does not implement the JSON traits.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use crate::ast::Container;
use crate::bound;
use crate::member::Member;

/// `impl SerializeMessage` and `impl DeserializeMessage<'de>` for a protocol enum, under
/// the generics of its `Encode` and `DecodeProtocol<'de>` impls plus the serde bounds.
pub(crate) fn expand(
    cont: &Container<'_>,
    members: &[Member<'_>],
    encode_generics: &syn::Generics,
    decode_generics: &syn::Generics,
    krate: &syn::Path,
) -> TokenStream {
    let ident = cont.ident;
    let name = cont.name();
    let de = bound::de_lifetime();
    let (_, ty_generics, _) = cont.generics.split_for_impl();

    let serialize_generics =
        with_serde_bounds(encode_generics, members, &quote!(#krate::serde::Serialize));
    let (impl_generics, _, where_clause) = serialize_generics.split_for_impl();
    let serialize_arms = if members.is_empty() {
        quote!(match *self {})
    } else {
        let arms = members.iter().map(|m| {
            let ty = m.ty;
            let variant = m.ident;
            quote_spanned! {m.span=>
                Self::#variant(__message) => {
                    <#ty as #krate::serde::Serialize>::serialize(__message, __serializer)
                }
            }
        });
        quote!(match self { #(#arms)* })
    };

    let deserialize_generics = with_serde_bounds(
        decode_generics,
        members,
        &quote!(#krate::serde::Deserialize<#de>),
    );
    let (de_impl_generics, _, de_where_clause) = deserialize_generics.split_for_impl();
    let dispatch = members.iter().map(|m| {
        let ty = m.ty;
        let variant = m.ident;
        quote_spanned! {m.span=>
            if __message_type == <#ty as #krate::Message>::ID {
                return ::core::result::Result::map(
                    <#ty as #krate::serde::Deserialize<#de>>::deserialize(__deserializer),
                    Self::#variant,
                );
            }
        }
    });

    quote! { #krate::__json_impls! {
        #[automatically_derived]
        impl #impl_generics #krate::SerializeMessage for #ident #ty_generics #where_clause {
            fn serialize_message<__WireSerializer>(
                &self,
                __serializer: __WireSerializer,
            ) -> ::core::result::Result<
                <__WireSerializer as #krate::serde::Serializer>::Ok,
                <__WireSerializer as #krate::serde::Serializer>::Error,
            >
            where
                __WireSerializer: #krate::serde::Serializer,
            {
                #serialize_arms
            }
        }

        #[automatically_derived]
        impl #de_impl_generics #krate::DeserializeMessage<#de> for #ident #ty_generics #de_where_clause {
            fn deserialize_message<__WireDeserializer>(
                __message_type: ::core::primitive::u16,
                __deserializer: __WireDeserializer,
            ) -> ::core::result::Result<
                Self,
                <__WireDeserializer as #krate::serde::Deserializer<#de>>::Error,
            >
            where
                __WireDeserializer: #krate::serde::Deserializer<#de>,
            {
                #(#dispatch)*
                ::core::result::Result::Err(#krate::json::unknown_message_type(__message_type, #name))
            }
        }
    } }
}

/// `generics` plus `for<'__wire_json> Msg: bound` for each message type.
fn with_serde_bounds(
    generics: &syn::Generics,
    members: &[Member<'_>],
    bound: &TokenStream,
) -> syn::Generics {
    let mut generics = generics.clone();
    if !members.is_empty() {
        let clause = generics.make_where_clause();
        for member in members {
            let ty = member.ty;
            clause
                .predicates
                .push(syn::parse_quote!(for<'__wire_json> #ty: #bound));
        }
    }
    generics
}
