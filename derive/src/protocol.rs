//! `#[derive(Protocol)]`: `Encode`, `Protocol` and `DecodeProtocol<'de>` for an enum
//! whose variants each hold one message type, dispatching on the message id.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned, ToTokens};

use crate::ast::{Container, Data};
use crate::bound;
use crate::member::{member, Member};

/// The three impls, and the check that no two message types share an id.
pub(crate) fn expand(cont: &Container<'_>, krate: &syn::Path) -> TokenStream {
    let members: Vec<Member<'_>> = match &cont.data {
        Data::Enum(variants) => variants.iter().filter_map(member).collect(),
        // Rejected by `check::protocol`.
        Data::Struct(..) => Vec::new(),
    };
    let ident = cont.ident;
    let name = cont.name();
    // Pairs of concrete message types are checked in a `const` item, which `cargo check`
    // evaluates; a pair involving a type parameter only once the parameter is known, in
    // an inline const of the impls (so when the protocol is built, not just checked).
    let (concrete, generic) = distinct_ids(cont, &name, &members, krate);
    let item_check = (!concrete.is_empty()).then(|| quote!(const _: () = { #concrete };));
    let inline_check = (!generic.is_empty()).then(|| quote!(const { #generic };));

    let encode_generics = generics(cont, &members, quote!(#krate::Message), false);
    let (impl_generics, ty_generics, where_clause) = encode_generics.split_for_impl();
    let de = bound::de_lifetime();
    let decode_generics = generics(
        cont,
        &members,
        quote!(#krate::Message + #krate::Decode<#de>),
        true,
    );
    let (de_impl_generics, _, de_where_clause) = decode_generics.split_for_impl();

    let arms = |body: &dyn Fn(&Member<'_>) -> TokenStream| -> TokenStream {
        if members.is_empty() {
            return quote!(match *self {});
        }
        let arms = members.iter().map(|member| {
            let variant = member.ident;
            let body = body(member);
            quote!(Self::#variant(__message) => #body,)
        });
        quote!(match self { #(#arms)* })
    };
    let encoded_len = arms(&|m| {
        let ty = m.ty;
        quote_spanned!(m.span=> <#ty as #krate::Encode>::encoded_len(__message))
    });
    let encode_raw = arms(&|m| {
        let ty = m.ty;
        quote_spanned!(m.span=> <#ty as #krate::Encode>::encode_raw(__message, __buf))
    });
    let message_type = arms(&|m| {
        let ty = m.ty;
        quote_spanned!(m.span=> <#ty as #krate::Message>::ID)
    });
    let message_name = arms(&|m| {
        let ty = m.ty;
        quote_spanned!(m.span=> <#ty as #krate::Message>::NAME)
    });
    let accepts = if members.is_empty() {
        quote!(false)
    } else {
        let tests = members.iter().map(|m| {
            let ty = m.ty;
            quote_spanned!(m.span=> __message_type == <#ty as #krate::Message>::ID)
        });
        quote!(#(#tests)||*)
    };
    let dispatch = members.iter().map(|m| {
        let ty = m.ty;
        let variant = m.ident;
        quote_spanned! {m.span=>
            if __message_type == <#ty as #krate::Message>::ID {
                return match <#ty as #krate::Decode<#de>>::decode_payload_raw(__payload) {
                    ::core::result::Result::Ok(__message) => {
                        ::core::result::Result::Ok(Self::#variant(__message))
                    }
                    ::core::result::Result::Err(__source) => {
                        ::core::result::Result::Err(#krate::FrameError::Payload {
                            message_type: __message_type,
                            source: __source,
                        })
                    }
                };
            }
        }
    });

    // Always written; the runtime's `__json_impls!` keeps it only with its `json` feature.
    let json = crate::json::expand(cont, &members, &encode_generics, &decode_generics, krate);

    let encode_impl =
        crate::encode::encode_impl(krate, ident, &encode_generics, &encoded_len, &encode_raw);
    let describe_generics = generics(
        cont,
        &members,
        quote!(#krate::Message + #krate::schema::Describe),
        false,
    );
    let describe = crate::schema::protocol(cont, &members, &describe_generics, krate);
    quote! {
        #item_check
        #json
        #describe

        #encode_impl

        #[automatically_derived]
        impl #impl_generics #krate::Protocol for #ident #ty_generics #where_clause {
            #[inline]
            fn message_type(&self) -> ::core::primitive::u16 {
                #inline_check
                #message_type
            }

            #[inline]
            fn message_name(&self) -> &'static ::core::primitive::str {
                #message_name
            }
        }

        #[automatically_derived]
        impl #de_impl_generics #krate::DecodeProtocol<#de> for #ident #ty_generics #de_where_clause {
            const PROTOCOL_NAME: &'static ::core::primitive::str = #name;

            #[inline]
            fn accepts(__message_type: ::core::primitive::u16) -> ::core::primitive::bool {
                #accepts
            }

            fn decode_message(
                __message_type: ::core::primitive::u16,
                __payload: &mut #krate::Reader<#de>,
            ) -> ::core::result::Result<Self, #krate::FrameError> {
                #inline_check
                #(#dispatch)*
                ::core::result::Result::Err(#krate::FrameError::UnknownMessageType {
                    message_type: __message_type,
                    protocol: #name,
                })
            }
        }
    }
}

/// The generics of the impls: a message type that mentions a type parameter is bounded
/// itself (`Wrapper<T>: Message`); one that does not needs no bound. The `bound`
/// override replaces this.
fn generics(
    cont: &Container<'_>,
    members: &[Member<'_>],
    bound_trait: TokenStream,
    decode: bool,
) -> syn::Generics {
    let base = if decode {
        bound::with_de_lifetime(cont.generics)
    } else {
        cont.generics.clone()
    };
    let override_ = if decode {
        &cont.attrs.bound.decode
    } else {
        &cont.attrs.bound.encode
    };
    if let Some(predicates) = override_ {
        return bound::with_predicates(&base, predicates);
    }
    let generic_members: Vec<syn::Type> = members
        .iter()
        .filter(|member| bound::mentions_params(cont.generics, member.ty))
        .map(|member| member.ty.clone())
        .collect();
    bound::with_bound(&base, &generic_members, &bound_trait)
}

/// Statements that panic at compile time when two variants' message types share an id,
/// naming both, with the error on the second variant: first those for pairs of concrete
/// types, then those for pairs where a type mentions a type parameter. Lifetimes become
/// `'static`, which leaves the ids unchanged and is the only lifetime a `const` item can
/// name.
fn distinct_ids(
    cont: &Container<'_>,
    protocol: &str,
    members: &[Member<'_>],
    krate: &syn::Path,
) -> (TokenStream, TokenStream) {
    let mut concrete = TokenStream::new();
    let mut generic = TokenStream::new();
    for (later, second) in members.iter().enumerate() {
        for first in &members[..later] {
            let first_ty = bound::with_static_lifetimes(first.ty);
            let second_ty = bound::with_static_lifetimes(second.ty);
            let message = format!(
                "duplicate message id in protocol `{protocol}`: variants `{}` ({}) and `{}` ({}) \
                 have the same id",
                first.ident,
                type_text(first.ty),
                second.ident,
                type_text(second.ty),
            );
            let check = quote_spanned! {second.span=>
                if <#first_ty as #krate::Message>::ID == <#second_ty as #krate::Message>::ID {
                    ::core::panic!(#message);
                }
            };
            if bound::mentions_params(cont.generics, first.ty)
                || bound::mentions_params(cont.generics, second.ty)
            {
                generic.extend(check);
            } else {
                concrete.extend(check);
            }
        }
    }
    (concrete, generic)
}

/// A type as a person would write it: `Say<'a>`, not `Say < 'a >`.
fn type_text(ty: &syn::Type) -> String {
    let text = ty.to_token_stream().to_string();
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ' ' {
            let previous = out.chars().last();
            let next = chars.peek().copied();
            let glue_before = matches!(next, Some('<' | '>' | ',' | ':' | ')' | ']'));
            let glue_after = matches!(previous, Some('<' | ':' | '&' | '(' | '['));
            if glue_before || glue_after {
                continue;
            }
        }
        out.push(c);
    }
    out
}
