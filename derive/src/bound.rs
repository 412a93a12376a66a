//! Generics of the generated impls: which bounds they need and where `'de` goes.
//!
//! As in serde, a bound is added for each type parameter that a field on the wire
//! actually mentions, not for every parameter (so `PhantomData<T>` needs nothing) and not
//! on the field types themselves (so a recursive type such as
//! `struct Tree<T> { children: Vec<Tree<T>> }` does not send trait resolution in a
//! circle). A field of type `T::Item` is bounded as `T::Item: Encode`. The
//! `#[wire(bound = "...")]` attribute replaces all of this when it guesses wrong.

use std::collections::HashSet;

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::{parse_quote, GenericArgument, Generics, PathArguments, Type, TypeParamBound};

/// The name of the input lifetime of `Decode<'de>`.
pub(crate) fn de_lifetime() -> syn::Lifetime {
    syn::Lifetime::new("'de", Span::call_site())
}

/// The types to bound among everything `types` mention: each type parameter of
/// `generics` they use, and each associated type of one (`T::Item`), in order of first
/// use. Anything inside a `PhantomData` is ignored.
pub(crate) fn used_params<'a>(
    generics: &Generics,
    types: impl IntoIterator<Item = &'a Type>,
) -> Vec<Type> {
    let params: HashSet<&syn::Ident> = generics.type_params().map(|param| &param.ident).collect();
    let mut finder = Finder {
        params,
        found: Vec::new(),
        seen: HashSet::new(),
    };
    if !finder.params.is_empty() {
        for ty in types {
            finder.visit_type(ty);
        }
    }
    finder.found
}

/// Whether `ty` may mention a type or const parameter of `generics`: whether any of its
/// identifiers is one's name. (It errs towards yes, which only costs a bound or defers
/// a check.)
pub(crate) fn mentions_params(generics: &Generics, ty: &Type) -> bool {
    let names: HashSet<&syn::Ident> = generics
        .type_params()
        .map(|param| &param.ident)
        .chain(generics.const_params().map(|param| &param.ident))
        .collect();
    !names.is_empty() && tokens_mention(ty.to_token_stream(), &names)
}

fn tokens_mention(tokens: TokenStream, names: &HashSet<&syn::Ident>) -> bool {
    tokens.into_iter().any(|token| match token {
        proc_macro2::TokenTree::Ident(ident) => names.contains(&ident),
        proc_macro2::TokenTree::Group(group) => tokens_mention(group.stream(), names),
        _ => false,
    })
}

/// `generics` plus `where <ty>: <bound>` for each of `types`.
pub(crate) fn with_bound(generics: &Generics, types: &[Type], bound: &TokenStream) -> Generics {
    let mut generics = generics.clone();
    if !types.is_empty() {
        let clause = generics.make_where_clause();
        for ty in types {
            clause.predicates.push(parse_quote!(#ty: #bound));
        }
    }
    generics
}

/// `generics` plus the given where-clause predicates (a `#[wire(bound)]` override).
pub(crate) fn with_predicates(generics: &Generics, predicates: &[syn::WherePredicate]) -> Generics {
    let mut generics = generics.clone();
    generics
        .make_where_clause()
        .predicates
        .extend(predicates.iter().cloned());
    generics
}

/// `generics` with `'de` first, outliving every lifetime of the type: data borrowed from
/// the input (`&'a str`) lives as long as the input does.
pub(crate) fn with_de_lifetime(generics: &Generics) -> Generics {
    let mut generics = generics.clone();
    let mut de = syn::LifetimeParam::new(de_lifetime());
    de.bounds
        .extend(generics.lifetimes().map(|param| param.lifetime.clone()));
    generics.params.insert(0, syn::GenericParam::Lifetime(de));
    generics
}

/// `ty` with every lifetime replaced by `'static`, for checks in a `const` item, where
/// the type's own lifetimes are not in scope.
pub(crate) fn with_static_lifetimes(ty: &Type) -> TokenStream {
    replace_lifetimes(ty.to_token_stream())
}

fn replace_lifetimes(tokens: TokenStream) -> TokenStream {
    use proc_macro2::TokenTree;
    let mut out = Vec::new();
    let mut after_quote = false;
    for token in tokens {
        match token {
            TokenTree::Punct(punct) if punct.as_char() == '\'' => {
                after_quote = true;
                out.push(TokenTree::Punct(punct));
            }
            TokenTree::Ident(ident) if after_quote => {
                after_quote = false;
                out.push(TokenTree::Ident(syn::Ident::new("static", ident.span())));
            }
            TokenTree::Group(group) => {
                after_quote = false;
                let mut replaced =
                    proc_macro2::Group::new(group.delimiter(), replace_lifetimes(group.stream()));
                replaced.set_span(group.span());
                out.push(TokenTree::Group(replaced));
            }
            other => {
                after_quote = false;
                out.push(other);
            }
        }
    }
    out.into_iter().collect()
}

struct Finder<'g> {
    params: HashSet<&'g syn::Ident>,
    found: Vec<Type>,
    seen: HashSet<String>,
}

impl Finder<'_> {
    fn record(&mut self, ty: Type) {
        if self.seen.insert(ty.to_token_stream().to_string()) {
            self.found.push(ty);
        }
    }

    fn visit_type(&mut self, ty: &Type) {
        match ty {
            Type::Array(array) => self.visit_type(&array.elem),
            Type::BareFn(function) => {
                for input in &function.inputs {
                    self.visit_type(&input.ty);
                }
                self.visit_return(&function.output);
            }
            Type::Group(group) => self.visit_type(&group.elem),
            Type::ImplTrait(imp) => self.visit_bounds(imp.bounds.iter()),
            Type::Paren(paren) => self.visit_type(&paren.elem),
            Type::Path(path) => {
                if let Some(qself) = &path.qself {
                    self.visit_type(&qself.ty);
                }
                self.visit_path(&path.path, path.qself.is_none());
            }
            Type::Ptr(ptr) => self.visit_type(&ptr.elem),
            Type::Reference(reference) => self.visit_type(&reference.elem),
            Type::Slice(slice) => self.visit_type(&slice.elem),
            Type::TraitObject(object) => self.visit_bounds(object.bounds.iter()),
            Type::Tuple(tuple) => {
                for elem in &tuple.elems {
                    self.visit_type(elem);
                }
            }
            // A macro's expansion is unknown and `_`/`!` mention nothing.
            _ => {}
        }
    }

    fn visit_path(&mut self, path: &syn::Path, may_start_with_param: bool) {
        if path
            .segments
            .last()
            .is_some_and(|last| last.ident == "PhantomData")
        {
            return;
        }
        if may_start_with_param && path.leading_colon.is_none() {
            if let Some(first) = path.segments.first() {
                if self.params.contains(&first.ident) {
                    self.record(if path.segments.len() == 1 {
                        let ident = &first.ident;
                        parse_quote!(#ident)
                    } else {
                        Type::Path(syn::TypePath {
                            qself: None,
                            path: path.clone(),
                        })
                    });
                }
            }
        }
        for segment in &path.segments {
            match &segment.arguments {
                PathArguments::None => {}
                PathArguments::AngleBracketed(args) => {
                    for arg in &args.args {
                        match arg {
                            GenericArgument::Type(ty) => self.visit_type(ty),
                            GenericArgument::AssocType(assoc) => self.visit_type(&assoc.ty),
                            GenericArgument::Constraint(constraint) => {
                                self.visit_bounds(constraint.bounds.iter());
                            }
                            _ => {}
                        }
                    }
                }
                PathArguments::Parenthesized(args) => {
                    for input in &args.inputs {
                        self.visit_type(input);
                    }
                    self.visit_return(&args.output);
                }
            }
        }
    }

    fn visit_return(&mut self, output: &syn::ReturnType) {
        if let syn::ReturnType::Type(_, ty) = output {
            self.visit_type(ty);
        }
    }

    fn visit_bounds<'b>(&mut self, bounds: impl Iterator<Item = &'b TypeParamBound>) {
        for bound in bounds {
            if let TypeParamBound::Trait(trait_bound) = bound {
                self.visit_path(&trait_bound.path, false);
            }
        }
    }
}
