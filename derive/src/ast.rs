//! The input as the derive sees it: a `Container` of `Variant`s and `Field`s, each with
//! its typed attributes and the syn node it came from (for spans).

use syn::ext::IdentExt;

use crate::attr;
use crate::ctxt::Ctxt;

/// The type being derived for.
pub(crate) struct Container<'a> {
    /// The type's name.
    pub(crate) ident: &'a syn::Ident,
    /// Its `#[wire]` attributes.
    pub(crate) attrs: attr::Container,
    /// Struct or enum, with the fields.
    pub(crate) data: Data<'a>,
    /// Its generics, as written.
    pub(crate) generics: &'a syn::Generics,
}

/// The body of the type.
pub(crate) enum Data<'a> {
    /// A struct of any style.
    Struct(Style, Vec<Field<'a>>),
    /// An enum.
    Enum(Vec<Variant<'a>>),
}

/// How a struct or variant names its fields.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// `{ a: T }`
    Named,
    /// `(T)`
    Tuple,
    /// No fields and no brackets.
    Unit,
}

/// One enum variant.
pub(crate) struct Variant<'a> {
    /// The variant's name.
    pub(crate) ident: &'a syn::Ident,
    /// Its `#[wire]` attributes.
    pub(crate) attrs: attr::Variant,
    /// How it names its fields.
    pub(crate) style: Style,
    /// The fields, in declaration order.
    pub(crate) fields: Vec<Field<'a>>,
    /// The wire tag: the `#[wire(tag = N)]` value, or the previous variant's tag plus one
    /// (0 for the first). The catch-all (`#[wire(other)]`) has none and takes no part in
    /// the numbering; its `tag` is 0 and unused.
    pub(crate) tag: u32,
    /// The syn node, for spans.
    pub(crate) original: &'a syn::Variant,
}

/// One field of a struct or variant.
pub(crate) struct Field<'a> {
    /// `self.<member>`: a name or an index.
    pub(crate) member: syn::Member,
    /// Its `#[wire]` attributes.
    pub(crate) attrs: attr::Field,
    /// Its type (a syn node: its span is where field errors go).
    pub(crate) ty: &'a syn::Type,
}

impl<'a> Container<'a> {
    /// Builds the model of `input`, reporting attribute mistakes to `cx`. `None` for a
    /// union, which has no wire form.
    pub(crate) fn from_ast(cx: &Ctxt, input: &'a syn::DeriveInput) -> Option<Self> {
        let attrs = attr::Container::from_ast(cx, &input.attrs);
        let data = match &input.data {
            syn::Data::Struct(data) => {
                let (style, fields) = fields_from_ast(cx, &data.fields);
                Data::Struct(style, fields)
            }
            syn::Data::Enum(data) => Data::Enum(variants_from_ast(cx, &data.variants)),
            syn::Data::Union(data) => {
                cx.error_at(
                    data.union_token.span,
                    "wirewright cannot derive for a union: nothing records which field \
                     is set; use an enum",
                );
                return None;
            }
        };
        Some(Container {
            ident: &input.ident,
            attrs,
            data,
            generics: &input.generics,
        })
    }

    /// The type's name as the errors and `Message::NAME` show it (no `r#`).
    pub(crate) fn name(&self) -> String {
        self.ident.unraw().to_string()
    }

    /// Whether the type is `#[wire(evolvable)]`: its encoding is a block.
    pub(crate) fn evolvable(&self) -> bool {
        self.attrs.evolvable.is_some()
    }

    /// Every field of every variant.
    pub(crate) fn all_fields(&self) -> Box<dyn Iterator<Item = &Field<'a>> + '_> {
        match &self.data {
            Data::Struct(_, fields) => Box::new(fields.iter()),
            Data::Enum(variants) => Box::new(variants.iter().flat_map(|v| v.fields.iter())),
        }
    }
}

impl Variant<'_> {
    /// The variant's name as errors show it.
    pub(crate) fn name(&self) -> String {
        self.ident.unraw().to_string()
    }

    /// Whether it is the catch-all of an evolvable enum (`#[wire(other)]`).
    pub(crate) fn is_other(&self) -> bool {
        self.attrs.other.is_some()
    }
}

impl Field<'_> {
    /// The span generated code for this field uses: the field type's location, so that a
    /// missing trait impl is reported there, with the derive's own (call-site) hygiene, so
    /// that names the derive introduces still resolve when the type comes from a macro.
    pub(crate) fn span(&self) -> proc_macro2::Span {
        proc_macro2::Span::call_site().located_at(syn::spanned::Spanned::span(self.ty))
    }

    /// Whether the field was appended in a later revision (`#[wire(since = N)]`), so that
    /// a block ending before it gives it its default.
    pub(crate) fn is_appended(&self) -> bool {
        self.attrs.since.is_some()
    }

    /// The field's name as error paths show it: its name, or its index for tuple fields.
    pub(crate) fn name(&self) -> String {
        match &self.member {
            syn::Member::Named(ident) => ident.unraw().to_string(),
            syn::Member::Unnamed(index) => index.index.to_string(),
        }
    }
}

fn variants_from_ast<'a>(
    cx: &Ctxt,
    variants: &'a syn::punctuated::Punctuated<syn::Variant, syn::Token![,]>,
) -> Vec<Variant<'a>> {
    let mut next_tag = Some(0u32);
    let mut previous: Option<&syn::Ident> = None;
    variants
        .iter()
        .map(|variant| {
            let attrs = attr::Variant::from_ast(cx, &variant.attrs);
            let (style, fields) = fields_from_ast(cx, &variant.fields);
            if attrs.other.is_some() {
                return Variant {
                    ident: &variant.ident,
                    attrs,
                    style,
                    fields,
                    tag: 0,
                    original: variant,
                };
            }
            let tag = match (&attrs.tag, next_tag) {
                (Some(explicit), _) => explicit.value,
                (None, Some(implicit)) => implicit,
                (None, None) => {
                    let after = previous.map_or_else(String::new, |p| format!(" after `{p}`"));
                    cx.error_spanned_by(
                        &variant.ident,
                        format!(
                            "the implicit tag of `{}` overflows u32{after}, whose tag is \
                             4294967295; give it a `#[wire(tag = N)]`",
                            variant.ident
                        ),
                    );
                    0
                }
            };
            next_tag = tag.checked_add(1);
            previous = Some(&variant.ident);
            Variant {
                ident: &variant.ident,
                attrs,
                style,
                fields,
                tag,
                original: variant,
            }
        })
        .collect()
}

fn fields_from_ast<'a>(cx: &Ctxt, fields: &'a syn::Fields) -> (Style, Vec<Field<'a>>) {
    let style = match fields {
        syn::Fields::Named(_) => Style::Named,
        syn::Fields::Unnamed(_) => Style::Tuple,
        syn::Fields::Unit => Style::Unit,
    };
    let fields = fields
        .iter()
        .enumerate()
        .map(|(index, field)| Field {
            member: match &field.ident {
                Some(ident) => syn::Member::Named(ident.clone()),
                None => syn::Member::Unnamed(syn::Index {
                    index: index as u32,
                    span: proc_macro2::Span::call_site(),
                }),
            },
            attrs: attr::Field::from_ast(cx, &field.attrs),
            ty: &field.ty,
        })
        .collect();
    (style, fields)
}
