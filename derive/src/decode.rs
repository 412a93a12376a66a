//! The `Decode<'de>` impl: the mirror of `encode.rs`, with every error annotated with
//! the field, variant and type it happened in.
//!
//! Evolution (SPEC.md §12) adds one idea: fields are read from a reader whose end is the
//! end of a **block** (an evolvable type's length-delimited body, or a whole top-level
//! payload). There an appended field that the block ends before takes its default, and
//! an `unknown` field takes whatever is left. Without a known end (a frozen type nested
//! in another) every field is read as written.

use proc_macro2::{Literal, TokenStream};
use quote::{quote, quote_spanned, ToTokens};

use crate::ast::{Container, Data, Field, Style, Variant};
use crate::attr::Encoding;
use crate::bound;

/// `impl<'de> Decode<'de> for T`.
pub(crate) fn expand(cont: &Container<'_>, krate: &syn::Path) -> TokenStream {
    let ident = cont.ident;
    let name = cont.name();
    let impl_generics = generics(cont, krate);
    let (impl_generics, _, where_clause) = impl_generics.split_for_impl();
    let (_, ty_generics, _) = cont.generics.split_for_impl();
    let de = bound::de_lifetime();
    let mut payload_body = None;
    let (min_encoded_len, body) = match &cont.data {
        Data::Struct(style, fields) if cont.evolvable() => {
            let value = construct(krate, &name, None, quote!(Self), *style, fields, End::Known);
            let body = quote! {
                #krate::Reader::enter(__reader)?;
                let mut __block = ::core::result::Result::map_err(
                    #krate::Reader::read_block(__reader),
                    |__err: #krate::DecodeError| __err.in_type(#name),
                )?;
                let __value = {
                    let __reader = &mut __block;
                    #value
                };
                #krate::Reader::leave(__reader);
                ::core::result::Result::Ok(__value)
            };
            (quote!(1), body)
        }
        Data::Struct(style, fields) => {
            let value = construct(
                krate,
                &name,
                None,
                quote!(Self),
                *style,
                fields,
                End::Unknown,
            );
            let evolves = fields
                .iter()
                .any(|field| field.is_appended() || field.attrs.unknown.is_some());
            if evolves {
                // As a top-level payload, the input's end is the block's end.
                let value = construct(krate, &name, None, quote!(Self), *style, fields, End::Known);
                payload_body = Some(quote! {
                    #krate::Reader::enter(__reader)?;
                    let __value = #value;
                    #krate::Reader::leave(__reader);
                    ::core::result::Result::Ok(__value)
                });
            }
            (
                min_len(krate, fields),
                quote! {
                    #krate::Reader::enter(__reader)?;
                    let __value = #value;
                    #krate::Reader::leave(__reader);
                    ::core::result::Result::Ok(__value)
                },
            )
        }
        Data::Enum(variants) if cont.evolvable() => {
            (quote!(2), enum_body(krate, &name, variants, true))
        }
        Data::Enum(variants) => (quote!(1), enum_body(krate, &name, variants, false)),
    };
    let payload_fn = payload_body.map(|payload_body| {
        quote! {
            #[inline]
            fn decode_payload_raw(
                __reader: &mut #krate::Reader<#de>,
            ) -> ::core::result::Result<Self, #krate::DecodeError> {
                #payload_body
            }
        }
    });
    quote! {
        #[automatically_derived]
        impl #impl_generics #krate::Decode<#de> for #ident #ty_generics #where_clause {
            const MIN_ENCODED_LEN: ::core::primitive::usize = #min_encoded_len;

            #[inline]
            fn decode_raw(
                __reader: &mut #krate::Reader<#de>,
            ) -> ::core::result::Result<Self, #krate::DecodeError> {
                #body
            }

            #payload_fn
        }
    }
}

/// Whether the reader that fields are read from ends where the value ends.
#[derive(Clone, Copy)]
enum End {
    /// It does (a block, or a top-level payload): an appended field the block ends before
    /// takes its default, and an `unknown` field takes the rest.
    Known,
    /// It does not (a frozen type nested in another): every field is read as written,
    /// and an `unknown` field is empty.
    Unknown,
}

/// The generics of `Decode<'de>`: `'de` outliving the type's lifetimes, then
/// `T: Decode<'de>` for each type parameter a default-encoded field uses, `T: FixedInt`
/// for `fixed` ones and `T: Default` for `skip` ones; or the `bound` override.
fn generics(cont: &Container<'_>, krate: &syn::Path) -> syn::Generics {
    let with_de = bound::with_de_lifetime(cont.generics);
    if let Some(predicates) = &cont.attrs.bound.decode {
        return bound::with_predicates(&with_de, predicates);
    }
    let of = |wanted: fn(&Encoding<'_>) -> bool| {
        let types = cont
            .all_fields()
            .filter(|field| wanted(&field.attrs.encoding()))
            .map(|field| field.ty);
        bound::used_params(cont.generics, types)
    };
    let de = bound::de_lifetime();
    let generics = bound::with_bound(
        &with_de,
        &of(|encoding| matches!(encoding, Encoding::Default)),
        &quote!(#krate::Decode<#de>),
    );
    let generics = bound::with_bound(
        &generics,
        &of(|encoding| matches!(encoding, Encoding::Fixed)),
        &quote!(#krate::FixedInt),
    );
    let defaulted = cont.all_fields().filter(|field| {
        matches!(field.attrs.encoding(), Encoding::Skip)
            || (field.is_appended() && field.attrs.default.is_none())
    });
    bound::with_bound(
        &generics,
        &bound::used_params(cont.generics, defaulted.map(|field| field.ty)),
        &quote!(::core::default::Default),
    )
}

/// `MIN_ENCODED_LEN` of a struct: the sum over its fields on the wire (saturating, as
/// arrays' are), or `0`.
fn min_len(krate: &syn::Path, fields: &[Field<'_>]) -> TokenStream {
    let de = bound::de_lifetime();
    let mut terms = fields.iter().filter_map(|field| {
        let ty = field.ty;
        let span = field.span();
        match field.attrs.encoding() {
            Encoding::Default => {
                Some(quote_spanned!(span=> <#ty as #krate::Decode<#de>>::MIN_ENCODED_LEN))
            }
            Encoding::Fixed => Some(quote_spanned!(span=> <#ty as #krate::FixedInt>::WIDTH)),
            Encoding::With(_) | Encoding::Skip | Encoding::Unknown => None,
        }
    });
    let Some(first) = terms.next() else {
        return quote!(0);
    };
    terms.fold(
        first,
        |sum, term| quote!(::core::primitive::usize::saturating_add(#sum, #term)),
    )
}

/// The constructor expression `path { a: ..., b: ... }` (or tuple or unit form) that
/// decodes each field in declaration order.
fn construct(
    krate: &syn::Path,
    type_name: &str,
    variant_name: Option<&str>,
    path: TokenStream,
    style: Style,
    fields: &[Field<'_>],
    end: End,
) -> TokenStream {
    let values = fields
        .iter()
        .map(|field| field_value(krate, type_name, variant_name, field, end));
    match style {
        Style::Named => {
            let members = fields.iter().map(|field| &field.member);
            quote!(#path { #(#members: #values),* })
        }
        Style::Tuple => quote!(#path(#(#values),*)),
        Style::Unit => path,
    }
}

/// The expression decoding one field, adding the field (and variant and type) to the
/// path of any error.
fn field_value(
    krate: &syn::Path,
    type_name: &str,
    variant_name: Option<&str>,
    field: &Field<'_>,
    end: End,
) -> TokenStream {
    let ty = field.ty;
    let span = field.span();
    let de = bound::de_lifetime();
    let decode = match field.attrs.encoding() {
        Encoding::Unknown => {
            return match end {
                End::Known => quote_spanned!(span=> #krate::UnknownFields::read_rest(__reader)),
                End::Unknown => quote_spanned!(span=> #krate::UnknownFields::new()),
            };
        }
        Encoding::Default => {
            quote_spanned!(span=> <#ty as #krate::Decode<#de>>::decode_raw(__reader))
        }
        Encoding::Fixed => quote_spanned!(span=> <#ty as #krate::FixedInt>::read_fixed(__reader)),
        Encoding::With(module) => {
            let span = crate::attr::with_span(module);
            quote_spanned!(span=> #module::decode_raw(__reader))
        }
        Encoding::Skip => {
            return quote_spanned!(span=> <#ty as ::core::default::Default>::default());
        }
    };
    let field_name = field.name();
    let in_variant = variant_name.map(|name| quote!(.in_variant(#name)));
    let value = quote! {
        ::core::result::Result::map_err(#decode, |__err: #krate::DecodeError| {
            __err.in_field(#field_name) #in_variant .in_type(#type_name)
        })?
    };
    match end {
        End::Known if field.is_appended() => {
            let default = match &field.attrs.default {
                Some(path) => {
                    let path = &path.value;
                    let span = crate::attr::with_span(path);
                    quote_spanned!(span=> #path())
                }
                None => quote_spanned!(span=> <#ty as ::core::default::Default>::default()),
            };
            quote! {
                if #krate::Reader::is_empty(__reader) { #default } else { #value }
            }
        }
        _ => value,
    }
}

/// Enter, read the tag, decode the variant it names, leave. An evolvable enum's variant
/// is read from its block, and a tag it does not define goes to the catch-all, if any.
fn enum_body(
    krate: &syn::Path,
    type_name: &str,
    variants: &[Variant<'_>],
    evolvable: bool,
) -> TokenStream {
    let read_tag = quote! {
        #krate::Reader::enter(__reader)?;
        let __tag_offset = #krate::Reader::position(__reader);
        let __tag = ::core::result::Result::map_err(
            #krate::Reader::read_varint(__reader, 32),
            |__err: #krate::DecodeError| __err.in_type(#type_name),
        )?;
    };
    let unknown = quote! {
        #krate::Reader::error_at(
            __reader,
            __tag_offset,
            #krate::DecodeErrorKind::UnknownVariant { type_name: #type_name, tag: __tag },
        )
        .in_type(#type_name)
    };
    if variants.is_empty() {
        return quote! {
            #read_tag
            ::core::result::Result::Err(#unknown)
        };
    }
    let end = if evolvable { End::Known } else { End::Unknown };
    let arms = variants
        .iter()
        .filter(|variant| !variant.is_other())
        .map(|variant| {
            let tag = Literal::u64_suffixed(u64::from(variant.tag));
            let ident = variant.ident;
            let value = construct(
                krate,
                type_name,
                Some(&variant.name()),
                quote!(Self::#ident),
                variant.style,
                &variant.fields,
                end,
            );
            quote!(#tag => #value,)
        });
    let fallback = match variants.iter().find(|variant| variant.is_other()) {
        Some(other) => {
            let ident = other.ident;
            let ty = other.fields[0].ty;
            // Every token at the field's type, so that a catch-all holding another type
            // is reported there.
            let span = syn::spanned::Spanned::span(ty);
            let at_field = crate::attr::respan_tokens(krate.to_token_stream(), span);
            quote_spanned! {span=>
                _ => {
                    let __unknown: #ty = #at_field::UnknownVariant::read_rest(
                        __tag as ::core::primitive::u32,
                        __reader,
                    );
                    Self::#ident(__unknown)
                }
            }
        }
        None => quote!(_ => return ::core::result::Result::Err(#unknown),),
    };
    if !evolvable {
        return quote! {
            #read_tag
            let __value = match __tag {
                #(#arms)*
                #fallback
            };
            #krate::Reader::leave(__reader);
            ::core::result::Result::Ok(__value)
        };
    }
    quote! {
        #read_tag
        let mut __block = ::core::result::Result::map_err(
            #krate::Reader::read_block(__reader),
            |__err: #krate::DecodeError| __err.in_type(#type_name),
        )?;
        let __value = {
            let __reader = &mut __block;
            match __tag {
                #(#arms)*
                #fallback
            }
        };
        #krate::Reader::leave(__reader);
        ::core::result::Result::Ok(__value)
    }
}
