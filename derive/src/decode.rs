//! The `Decode<'de>` impl: the mirror of `encode.rs`, with every error annotated with
//! the field, variant and type it happened in.

use proc_macro2::{Literal, TokenStream};
use quote::{quote, quote_spanned};

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
    let (min_encoded_len, body) = match &cont.data {
        Data::Struct(style, fields) => {
            let value = construct(krate, &name, None, quote!(Self), *style, fields);
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
        Data::Enum(variants) => (quote!(1), enum_body(krate, &name, variants)),
    };
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
        }
    }
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
    bound::with_bound(
        &generics,
        &of(|encoding| matches!(encoding, Encoding::Skip)),
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
            Encoding::With(_) | Encoding::Skip => None,
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
) -> TokenStream {
    let values = fields
        .iter()
        .map(|field| field_value(krate, type_name, variant_name, field));
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
) -> TokenStream {
    let ty = field.ty;
    let span = field.span();
    let de = bound::de_lifetime();
    let decode = match field.attrs.encoding() {
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
    quote! {
        ::core::result::Result::map_err(#decode, |__err: #krate::DecodeError| {
            __err.in_field(#field_name) #in_variant .in_type(#type_name)
        })?
    }
}

/// Enter, read the tag, decode the variant it names, leave.
fn enum_body(krate: &syn::Path, type_name: &str, variants: &[Variant<'_>]) -> TokenStream {
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
    let arms = variants.iter().map(|variant| {
        let tag = Literal::u64_suffixed(u64::from(variant.tag));
        let ident = variant.ident;
        let value = construct(
            krate,
            type_name,
            Some(&variant.name()),
            quote!(Self::#ident),
            variant.style,
            &variant.fields,
        );
        quote!(#tag => #value,)
    });
    quote! {
        #read_tag
        let __value = match __tag {
            #(#arms)*
            _ => return ::core::result::Result::Err(#unknown),
        };
        #krate::Reader::leave(__reader);
        ::core::result::Result::Ok(__value)
    }
}
