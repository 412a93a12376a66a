//! The service as a typed model: the trait, and for each method its id, its arguments
//! and its result, keeping the syn nodes for spans. Mistakes of one method's shape are
//! reported here; the rules across methods live in `check.rs`.

use proc_macro2::Span;
use syn::spanned::Spanned;

use super::attr;
use crate::ctxt::Ctxt;

/// A `#[service]` trait.
pub(crate) struct Service<'a> {
    pub(crate) item: &'a syn::ItemTrait,
    pub(crate) attrs: attr::Service,
    pub(crate) methods: Vec<Method<'a>>,
}

/// One method: `async fn name(&self, args...) -> Result<Ok, Err>`.
pub(crate) struct Method<'a> {
    pub(crate) ident: &'a syn::Ident,
    pub(crate) attrs: attr::Method,
    /// The attributes other than `#[wire]` (docs, lints), kept on the trait and the client.
    pub(crate) kept_attrs: Vec<&'a syn::Attribute>,
    pub(crate) args: Vec<Arg<'a>>,
    pub(crate) ok: &'a syn::Type,
    pub(crate) err: &'a syn::Type,
    /// For a streaming method (`ok` is `Streaming<T, E>`), the item `T` and the stream's
    /// error `E`.
    pub(crate) stream: Option<(&'a syn::Type, &'a syn::Type)>,
    pub(crate) span: Span,
}

/// One argument: `name: Type`, with its `#[wire]` attributes (given to the field of the
/// generated request).
pub(crate) struct Arg<'a> {
    pub(crate) ident: &'a syn::Ident,
    pub(crate) ty: &'a syn::Type,
    pub(crate) wire_attrs: Vec<&'a syn::Attribute>,
}

impl<'a> Service<'a> {
    /// The model of `item`; `None` for the methods whose shape could not be read (each
    /// mistake reported).
    pub(crate) fn from_ast(cx: &Ctxt, item: &'a syn::ItemTrait, attrs: attr::Service) -> Self {
        let mut methods = Vec::new();
        for trait_item in &item.items {
            match trait_item {
                syn::TraitItem::Fn(method) => {
                    if let Some(method) = Method::from_ast(cx, method) {
                        methods.push(method);
                    }
                }
                other => cx.error_spanned_by(
                    other,
                    "a service trait holds only `async fn` methods (its request and response types are generated)",
                ),
            }
        }
        Service {
            item,
            attrs,
            methods,
        }
    }
}

impl<'a> Method<'a> {
    fn from_ast(cx: &Ctxt, method: &'a syn::TraitItemFn) -> Option<Self> {
        let sig = &method.sig;
        let attrs = attr::Method::from_ast(cx, &method.attrs);
        let mut fine = true;
        if sig.asyncness.is_none() {
            cx.error_spanned_by(
                sig.fn_token,
                format!(
                    "service method `{}` is not async: write `async fn {}(&self, ...)`",
                    sig.ident, sig.ident
                ),
            );
            fine = false;
        }
        if let Some(body) = &method.default {
            cx.error_at(
                body.brace_token.span.join(),
                "unsupported signature: a service method has no default body (the server's implementation of the trait gives it)",
            );
            fine = false;
        }
        for unsupported in [
            sig.constness.map(|token| token.span()),
            sig.unsafety.map(|token| token.span()),
            sig.abi.as_ref().map(Spanned::span),
            sig.variadic.as_ref().map(Spanned::span),
        ]
        .into_iter()
        .flatten()
        {
            cx.error_at(
                unsupported,
                "unsupported signature: a service method is a plain `async fn`",
            );
            fine = false;
        }
        if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
            cx.error_spanned_by(
                &sig.generics,
                "unsupported signature: a service method has no generic parameters (its request is one concrete message)",
            );
            fine = false;
        }
        let mut inputs = sig.inputs.iter();
        match inputs.next() {
            Some(syn::FnArg::Receiver(receiver))
                if receiver
                    .reference
                    .as_ref()
                    .is_some_and(|(_, lifetime)| lifetime.is_none())
                    && receiver.mutability.is_none()
                    && receiver.colon_token.is_none() => {}
            Some(syn::FnArg::Receiver(receiver)) => {
                cx.error_spanned_by(
                    receiver,
                    "unsupported signature: a service method takes `&self` (the server runs calls concurrently on one shared implementation)",
                );
                fine = false;
            }
            _ => {
                cx.error_spanned_by(
                    &sig.ident,
                    "unsupported signature: a service method takes `&self` first",
                );
                fine = false;
            }
        }
        let mut args = Vec::new();
        for input in inputs {
            let syn::FnArg::Typed(typed) = input else {
                continue; // a second receiver is a syntax error already
            };
            let ident = match &*typed.pat {
                syn::Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => &pat.ident,
                other => {
                    cx.error_spanned_by(
                        other,
                        "unsupported signature: name each argument with a plain identifier (it becomes a field of the request)",
                    );
                    fine = false;
                    continue;
                }
            };
            if let Some(reason) = unsupported_argument(&typed.ty) {
                cx.error_spanned_by(&typed.ty, format!("unsupported signature: {reason}"));
                fine = false;
                continue;
            }
            args.push(Arg {
                ident,
                ty: &typed.ty,
                wire_attrs: typed.attrs.iter().filter(|a| attr::is_wire(a)).collect(),
            });
        }
        let result = match &sig.output {
            syn::ReturnType::Type(_, ty) => result_types(ty),
            syn::ReturnType::Default => None,
        };
        let Some((ok, err)) = result else {
            let span = match &sig.output {
                syn::ReturnType::Type(_, ty) => ty.span(),
                syn::ReturnType::Default => sig.paren_token.span.join(),
            };
            cx.error_at(
                span,
                "unsupported signature: a service method returns `Result<T, E>` (E is the service's error type, the same for every method)",
            );
            return None;
        };
        fine.then(|| Method {
            ident: &sig.ident,
            attrs,
            kept_attrs: method.attrs.iter().filter(|a| !attr::is_wire(a)).collect(),
            args,
            ok,
            err,
            stream: streaming_types(ok),
            span: sig.ident.span(),
        })
    }

    /// The method's name in the generated types: `get_all` is `GetAll`.
    pub(crate) fn pascal_name(&self) -> String {
        pascal_case(&self.ident.to_string())
    }

    /// Whether the argument and the result are messages used as they are.
    pub(crate) fn uses_messages(&self) -> bool {
        self.attrs.message.is_some()
    }

    /// The method's variant in the request enum: the message's own name when it is used
    /// as it is, otherwise the method's name.
    pub(crate) fn request_variant(&self) -> syn::Ident {
        let ty = self.args.first().map(|arg| arg.ty);
        self.variant(ty)
    }

    /// The method's variant in the response enum, named as
    /// [`request_variant`](Self::request_variant).
    pub(crate) fn response_variant(&self) -> syn::Ident {
        self.variant(Some(self.response_type()))
    }

    /// The type of the method's response message: its result, or a streaming method's
    /// item.
    pub(crate) fn response_type(&self) -> &'a syn::Type {
        self.stream.map_or(self.ok, |(item, _)| item)
    }

    fn variant(&self, ty: Option<&syn::Type>) -> syn::Ident {
        match ty.and_then(type_name) {
            Some(ident) if self.uses_messages() => ident.clone(),
            _ => syn::Ident::new(&self.pascal_name(), self.span),
        }
    }
}

/// Why an argument's type cannot travel in a request, if it cannot.
fn unsupported_argument(ty: &syn::Type) -> Option<&'static str> {
    match ty {
        syn::Type::Reference(_) => Some(
            "an argument is owned (it is decoded from the request and handed to the method): use `String` for `&str`, `Vec<T>` for `&[T]`",
        ),
        syn::Type::ImplTrait(_) => {
            Some("an argument has a concrete type (it is a field of the generated request)")
        }
        syn::Type::Infer(_) | syn::Type::Never(_) | syn::Type::TraitObject(_) => {
            Some("an argument's type must be a wire type (Encode and Decode)")
        }
        _ => None,
    }
}

/// `Result<T, E>` (under any path, as `std::result::Result`) as `(T, E)`.
fn result_types(ty: &syn::Type) -> Option<(&syn::Type, &syn::Type)> {
    two_type_args(ty, "Result")
}

/// `Streaming<T, E>` (under any path, as `wirewright::rpc::Streaming`) as `(T, E)`: the
/// result of a server-streaming method (SPEC.md §11.8).
fn streaming_types(ty: &syn::Type) -> Option<(&syn::Type, &syn::Type)> {
    two_type_args(ty, "Streaming")
}

/// A path type whose last segment is `name` with exactly two type arguments, as them.
fn two_type_args<'a>(ty: &'a syn::Type, name: &str) -> Option<(&'a syn::Type, &'a syn::Type)> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    if path.qself.is_some() {
        return None;
    }
    let last = path.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let mut types = args.args.iter().map(|arg| match arg {
        syn::GenericArgument::Type(ty) => Some(ty),
        _ => None,
    });
    match (types.next(), types.next(), types.next()) {
        (Some(Some(first)), Some(Some(second)), None) => Some((first, second)),
        _ => None,
    }
}

/// `snake_case` as `PascalCase`.
pub(crate) fn pascal_case(snake: &str) -> String {
    snake
        .trim_start_matches("r#")
        .split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect()
            })
        })
        .collect()
}

/// The last identifier of a type's path (`kv::Get` is `Get`), for a message used as it is.
pub(crate) fn type_name(ty: &syn::Type) -> Option<&syn::Ident> {
    match ty {
        syn::Type::Path(path) if path.qself.is_none() => {
            path.path.segments.last().map(|segment| &segment.ident)
        }
        syn::Type::Paren(paren) => type_name(&paren.elem),
        syn::Type::Group(group) => type_name(&group.elem),
        _ => None,
    }
}
