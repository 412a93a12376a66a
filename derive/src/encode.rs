//! The `Encode` impl: fields in declaration order, enums prefixed by their tag
//! (SPEC.md §4.10, §4.11); an evolvable type's body inside a block (§12.3).

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use crate::ast::{Container, Data, Field, Style, Variant};
use crate::attr::Encoding;
use crate::bound;

/// `impl Encode for T`.
pub(crate) fn expand(cont: &Container<'_>, krate: &syn::Path) -> TokenStream {
    let ident = cont.ident;
    let generics = generics(cont, krate);
    let (encoded_len, encode_raw) = match &cont.data {
        Data::Struct(_, fields) => {
            let accesses: Vec<Access<'_>> = fields.iter().map(Access::of_struct_field).collect();
            let body_len = sum_of_lengths(krate, fields, &accesses, None);
            let writes = writes(krate, fields, &accesses);
            if cont.evolvable() {
                (
                    quote!(#krate::evolve::block_encoded_len(#body_len)),
                    quote! {
                        #krate::evolve::put_block_len(__buf, #body_len);
                        #writes
                    },
                )
            } else {
                (body_len, writes)
            }
        }
        Data::Enum(variants) => enum_bodies(krate, variants, cont.evolvable()),
    };
    encode_impl(krate, ident, &generics, &encoded_len, &encode_raw)
}

/// The `impl Encode` block around the two method bodies; the Protocol derive writes the
/// same block around its per-variant delegation.
pub(crate) fn encode_impl(
    krate: &syn::Path,
    ident: &syn::Ident,
    generics: &syn::Generics,
    encoded_len: &TokenStream,
    encode_raw: &TokenStream,
) -> TokenStream {
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    quote! {
        #[automatically_derived]
        impl #impl_generics #krate::Encode for #ident #ty_generics #where_clause {
            #[inline]
            fn encoded_len(&self) -> ::core::primitive::usize {
                #encoded_len
            }

            #[inline]
            fn encode_raw<__WireBuf>(&self, __buf: &mut __WireBuf)
            where
                __WireBuf: #krate::bytes::BufMut + ?::core::marker::Sized,
            {
                #encode_raw
            }
        }
    }
}

/// The generics of `Encode` (and `Message`): `T: Encode` for each type parameter a
/// default-encoded field uses, `T: FixedInt` for `fixed` ones; or the `bound` override.
pub(crate) fn generics(cont: &Container<'_>, krate: &syn::Path) -> syn::Generics {
    if let Some(predicates) = &cont.attrs.bound.encode {
        return bound::with_predicates(cont.generics, predicates);
    }
    let of = |wanted: fn(&Encoding<'_>) -> bool| {
        let types = cont
            .all_fields()
            .filter(|field| wanted(&field.attrs.encoding()))
            .map(|field| field.ty);
        bound::used_params(cont.generics, types)
    };
    let generics = bound::with_bound(
        cont.generics,
        &of(|encoding| matches!(encoding, Encoding::Default)),
        &quote!(#krate::Encode),
    );
    bound::with_bound(
        &generics,
        &of(|encoding| matches!(encoding, Encoding::Fixed)),
        &quote!(#krate::FixedInt),
    )
}

/// How generated code reaches a field's value.
enum Access<'a> {
    /// `self.member`, in a struct.
    Member(&'a syn::Member),
    /// A binding of a `match self` arm, in an enum: already a reference.
    Binding(syn::Ident),
}

impl<'a> Access<'a> {
    fn of_struct_field(field: &'a Field<'_>) -> Self {
        Access::Member(&field.member)
    }

    /// An expression of type `&FieldType`.
    fn by_ref(&self) -> TokenStream {
        match self {
            Access::Member(member) => quote!(&self.#member),
            Access::Binding(binding) => quote!(#binding),
        }
    }

    /// An expression of type `FieldType`, for `Copy` fields (`fixed`).
    fn by_value(&self) -> TokenStream {
        match self {
            Access::Member(member) => quote!(self.#member),
            Access::Binding(binding) => quote!(*#binding),
        }
    }
}

/// The encoded length of one field, or `None` for a skipped one.
fn field_len(krate: &syn::Path, field: &Field<'_>, access: &Access<'_>) -> Option<TokenStream> {
    let ty = field.ty;
    let span = field.span();
    let value = access.by_ref();
    Some(match field.attrs.encoding() {
        Encoding::Default | Encoding::Unknown => {
            quote_spanned!(span=> <#ty as #krate::Encode>::encoded_len(#value))
        }
        Encoding::Fixed => quote_spanned!(span=> <#ty as #krate::FixedInt>::WIDTH),
        Encoding::With(module) => {
            let span = crate::attr::with_span(module);
            quote_spanned!(span=> #module::encoded_len(#value))
        }
        Encoding::Skip => return None,
    })
}

/// The statement writing one field (nothing for a skipped one).
fn field_write(krate: &syn::Path, field: &Field<'_>, access: &Access<'_>) -> TokenStream {
    let ty = field.ty;
    let span = field.span();
    match field.attrs.encoding() {
        Encoding::Default | Encoding::Unknown => {
            let value = access.by_ref();
            quote_spanned!(span=> <#ty as #krate::Encode>::encode_raw(#value, __buf);)
        }
        Encoding::Fixed => {
            let value = access.by_value();
            quote_spanned!(span=> <#ty as #krate::FixedInt>::put_fixed(#value, __buf);)
        }
        Encoding::With(module) => {
            let value = access.by_ref();
            let span = crate::attr::with_span(module);
            quote_spanned!(span=> #module::encode_raw(#value, __buf);)
        }
        Encoding::Skip => quote!(),
    }
}

/// `a + b + c` over the fields on the wire, plus `extra` (an enum's tag length); `0`
/// when there is nothing.
fn sum_of_lengths(
    krate: &syn::Path,
    fields: &[Field<'_>],
    accesses: &[Access<'_>],
    extra: Option<usize>,
) -> TokenStream {
    let terms: Vec<TokenStream> = extra
        .map(|len| quote!(#len))
        .into_iter()
        .chain(
            fields
                .iter()
                .zip(accesses)
                .filter_map(|(field, access)| field_len(krate, field, access)),
        )
        .collect();
    if terms.is_empty() {
        quote!(0)
    } else {
        quote!(#(#terms)+*)
    }
}

fn writes(krate: &syn::Path, fields: &[Field<'_>], accesses: &[Access<'_>]) -> TokenStream {
    let writes = fields
        .iter()
        .zip(accesses)
        .map(|(field, access)| field_write(krate, field, access));
    quote!(#(#writes)*)
}

/// `match self { ... }` for both methods of an enum. An evolvable enum's variant is its
/// tag, then a block of its fields; its catch-all writes the tag and block it holds.
fn enum_bodies(
    krate: &syn::Path,
    variants: &[Variant<'_>],
    evolvable: bool,
) -> (TokenStream, TokenStream) {
    if variants.is_empty() {
        return (quote!(match *self {}), quote!(match *self {}));
    }
    let mut len_arms = Vec::new();
    let mut write_arms = Vec::new();
    for variant in variants {
        let pattern = variant_pattern(variant);
        let accesses: Vec<Access<'_>> = (0..variant.fields.len())
            .map(|index| Access::Binding(binding(index)))
            .collect();
        if variant.is_other() {
            let field = &variant.fields[0];
            let len = field_len(krate, field, &accesses[0]);
            let write = field_write(krate, field, &accesses[0]);
            len_arms.push(quote!(#pattern => #len,));
            write_arms.push(quote!(#pattern => { #write }));
            continue;
        }
        let tag = tag_bytes(variant.tag);
        let put_tag = if let [byte] = tag.as_slice() {
            let byte = Literal::u8_suffixed(*byte);
            quote!(#krate::bytes::BufMut::put_u8(__buf, #byte);)
        } else {
            let bytes = tag.iter().map(|byte| Literal::u8_suffixed(*byte));
            quote!(#krate::bytes::BufMut::put_slice(__buf, &[#(#bytes),*]);)
        };
        let field_writes = writes(krate, &variant.fields, &accesses);
        let (len, field_writes) = if evolvable {
            let tag_len = tag.len();
            let body_len = sum_of_lengths(krate, &variant.fields, &accesses, None);
            (
                quote!(#tag_len + #krate::evolve::block_encoded_len(#body_len)),
                quote! {
                    #krate::evolve::put_block_len(__buf, #body_len);
                    #field_writes
                },
            )
        } else {
            let len = sum_of_lengths(krate, &variant.fields, &accesses, Some(tag.len()));
            (len, field_writes)
        };
        len_arms.push(quote!(#pattern => #len,));
        write_arms.push(quote!(#pattern => { #put_tag #field_writes }));
    }
    (
        quote!(match self { #(#len_arms)* }),
        quote!(match self { #(#write_arms)* }),
    )
}

/// The name a `match self` arm binds field `index` to.
pub(crate) fn binding(index: usize) -> syn::Ident {
    format_ident!("__field{}", index)
}

/// `Self::V { a: __field0, b: _ }`, `Self::V(__field0, _)` or `Self::V`: skipped fields
/// are not bound, so nothing is unused.
fn variant_pattern(variant: &Variant<'_>) -> TokenStream {
    let ident = variant.ident;
    let bindings = variant.fields.iter().enumerate().map(|(index, field)| {
        if matches!(field.attrs.encoding(), Encoding::Skip) {
            quote!(_)
        } else {
            let binding = binding(index);
            quote!(#binding)
        }
    });
    match variant.style {
        Style::Named => {
            let members = variant.fields.iter().map(|field| &field.member);
            quote!(Self::#ident { #(#members: #bindings),* })
        }
        Style::Tuple => quote!(Self::#ident(#(#bindings),*)),
        Style::Unit => quote!(Self::#ident),
    }
}

/// A tag as the LEB128 varint it travels as (SPEC.md §2).
pub(crate) fn tag_bytes(tag: u32) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(5);
    let mut value = tag;
    loop {
        let low = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            bytes.push(low);
            return bytes;
        }
        bytes.push(low | 0x80);
    }
}
