//! `impl Describe`: the schema of a derived type or protocol (SPEC.md §13), built at run
//! time from the typed model, each field type describing itself.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use crate::ast::{Container, Data, Field};
use crate::attr::Encoding;
use crate::bound;
use crate::member::Member;

/// `impl Describe` for a `#[derive(Message)]` type. Every type parameter is bounded by
/// `Describe`: it is part of the type's name in the schema (`Page<u32>`).
pub(crate) fn message(cont: &Container<'_>, krate: &syn::Path) -> TokenStream {
    let schema = quote!(#krate::schema);
    let ident = cont.ident;
    let name = cont.name();
    let params: Vec<syn::Type> = cont
        .generics
        .type_params()
        .map(|param| {
            let ident = &param.ident;
            syn::parse_quote!(#ident)
        })
        .collect();
    let generics = bound::with_bound(cont.generics, &params, &quote!(#schema::Describe));
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let evolvable = cont.evolvable();
    let id = match &cont.attrs.id {
        Some(id) => {
            let id = id.value;
            quote!(::core::option::Option::Some(#id))
        }
        None => quote!(::core::option::Option::None),
    };
    let kind = match &cont.data {
        Data::Struct(_, fields) => {
            let fields = fields_expr(fields, &schema);
            quote!(#schema::Kind::Struct(#fields))
        }
        Data::Enum(variants) => {
            let variants = variants.iter().map(|variant| {
                let name = variant.name();
                if variant.is_other() {
                    quote!(#schema::Variant::Other { name: ::std::string::String::from(#name) })
                } else {
                    let tag = variant.tag;
                    let fields = fields_expr(&variant.fields, &schema);
                    quote!(#schema::Variant::Tagged {
                        tag: #tag,
                        name: ::std::string::String::from(#name),
                        fields: #fields,
                    })
                }
            });
            quote!(#schema::Kind::Enum(::std::vec![#(#variants),*]))
        }
    };
    quote! {
        #[automatically_derived]
        impl #impl_generics #schema::Describe for #ident #ty_generics #where_clause {
            fn describe(__registry: &mut #schema::Registry) -> #schema::Type {
                #[allow(unused_imports)]
                use #schema::{DescribeField as _, DescribeOpaque as _};
                let __name = #schema::generic_name(
                    #name,
                    &[#(<#params as #schema::Describe>::describe(__registry)),*],
                );
                let __name = match __registry.begin(&__name, ::core::any::type_name::<Self>()) {
                    #schema::Begin::Known(__name) => return #schema::Type::Named(__name),
                    #schema::Begin::New(__name) => __name,
                };
                let __kind = #kind;
                __registry.define(#schema::Definition {
                    name: __name,
                    evolvable: #evolvable,
                    id: #id,
                    kind: __kind,
                })
            }
        }
    }
}

/// A `Fields` value: the fields on the wire, in order, and the unknown one.
fn fields_expr(fields: &[Field<'_>], schema: &TokenStream) -> TokenStream {
    let mut unknown = quote!(::core::option::Option::None);
    let mut on_wire = Vec::new();
    for field in fields {
        let name = field.name();
        let ty = field.ty;
        let described = quote_spanned! {field.span()=>
            (&&#schema::Probe::<#ty>(::core::marker::PhantomData)).describe_field(__registry)
        };
        let ty = match field.attrs.encoding() {
            Encoding::Skip => continue,
            Encoding::Unknown => {
                unknown = quote!(::core::option::Option::Some(::std::string::String::from(#name)));
                continue;
            }
            Encoding::Default => described,
            Encoding::Fixed => quote!(#described.fixed()),
            Encoding::With(path) => {
                let path = quote!(#path).to_string().replace(' ', "");
                quote!(#schema::Type::With(::std::string::String::from(#path)))
            }
        };
        let since = field.attrs.since.as_ref().map_or(1, |since| since.value);
        on_wire.push(quote!(#schema::Field {
            name: ::std::string::String::from(#name),
            ty: #ty,
            since: #since,
        }));
    }
    quote!(#schema::Fields { fields: ::std::vec![#(#on_wire),*], unknown: #unknown })
}

/// `impl Describe` for a `#[derive(Protocol)]` enum: a protocol definition listing each
/// message's id, variant and type.
pub(crate) fn protocol(
    cont: &Container<'_>,
    members: &[Member<'_>],
    generics: &syn::Generics,
    krate: &syn::Path,
) -> TokenStream {
    let schema = quote!(#krate::schema);
    let ident = cont.ident;
    let name = cont.name();
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let messages = members.iter().map(|member| {
        let ty = member.ty;
        let variant = member.ident.to_string();
        quote_spanned! {member.span=>
            #schema::MessageEntry {
                id: <#ty as #krate::Message>::ID,
                variant: ::std::string::String::from(#variant),
                ty: (&&#schema::Probe::<#ty>(::core::marker::PhantomData)).describe_field(__registry),
            }
        }
    });
    quote! {
        #[automatically_derived]
        impl #impl_generics #schema::Describe for #ident #ty_generics #where_clause {
            fn describe(__registry: &mut #schema::Registry) -> #schema::Type {
                #[allow(unused_imports)]
                use #schema::{DescribeField as _, DescribeOpaque as _};
                let __name = match __registry.begin(#name, ::core::any::type_name::<Self>()) {
                    #schema::Begin::Known(__name) => return #schema::Type::Named(__name),
                    #schema::Begin::New(__name) => __name,
                };
                let __messages = ::std::vec![#(#messages),*];
                __registry.define(#schema::Definition {
                    name: __name,
                    evolvable: false,
                    id: ::core::option::Option::None,
                    kind: #schema::Kind::Protocol(__messages),
                })
            }
        }
    }
}
