//! [`Describe`]: how a type tells its schema, and the [`Registry`] that collects the
//! definitions it reaches.

use std::collections::BTreeMap;

use super::model::{Definition, Schema, Type};

/// A type that can describe its encoding as a [`Schema`].
///
/// `#[derive(Message)]` and `#[derive(Protocol)]` implement it, and wirewright does for
/// every standard type it encodes. A hand-written `Encode` impl may implement it too: a
/// field whose type does not is described as `opaque` with its Rust name.
///
/// ```
/// use wirewright::schema::{Describe, Type};
/// use wirewright::{Message, Protocol};
///
/// #[derive(Message)]
/// #[wire(id = 1)]
/// struct Say<'a> { room: &'a str, #[wire(fixed)] at_ms: u64 }
///
/// #[derive(Protocol)]
/// enum Chat<'a> { Say(Say<'a>) }
///
/// assert_eq!(<&str>::schema().root, String::schema().root);
/// let text = Chat::schema().to_string();
/// assert!(text.contains("  message 1 Say: Say\n"));
/// assert!(text.contains("  field at_ms: fixed u64\n"));
/// ```
pub trait Describe {
    /// The type as a field would name it: a builtin type, or a [`Type::Named`] reference
    /// whose definition `registry` now holds (with everything it reaches).
    fn describe(registry: &mut Registry) -> Type;

    /// The schema of the type: its reference and every definition it reaches.
    fn schema() -> Schema {
        let mut registry = Registry::new();
        let root = Self::describe(&mut registry);
        registry.into_schema(root)
    }
}

/// The definitions collected while describing a type. A definition is entered once under
/// its name, before its fields are described, so recursive types end.
#[derive(Debug, Default)]
pub struct Registry {
    definitions: BTreeMap<String, Option<Definition>>,
    /// The schema name given to each Rust type (by `core::any::type_name`).
    names: BTreeMap<String, String>,
}

/// What [`Registry::begin`] says about a type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begin {
    /// Already defined, or being defined (a recursive reference): refer to it by this name.
    Known(String),
    /// New: describe it and [`define`](Registry::define) it under this name.
    New(String),
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Registry::default()
    }

    /// Starts the definition of the Rust type `rust_type` (its `core::any::type_name`),
    /// whose schema name is `name`. Another Rust type already holding `name` (two types
    /// called `Get` in different modules) makes this one take its Rust path as its name,
    /// so that the schema never merges two types.
    pub fn begin(&mut self, name: &str, rust_type: &str) -> Begin {
        if let Some(known) = self.names.get(rust_type) {
            return Begin::Known(known.clone());
        }
        let name = if self.definitions.contains_key(name) {
            rust_type.replace(' ', "")
        } else {
            name.to_owned()
        };
        self.names.insert(rust_type.to_owned(), name.clone());
        self.definitions.insert(name.clone(), None);
        Begin::New(name)
    }

    /// Completes a definition started by [`begin`](Self::begin); returns its reference.
    pub fn define(&mut self, definition: Definition) -> Type {
        let name = definition.name.clone();
        self.definitions.insert(name.clone(), Some(definition));
        Type::Named(name)
    }

    /// The schema rooted at `root`, with every completed definition.
    pub fn into_schema(self, root: Type) -> Schema {
        Schema {
            root,
            definitions: self.definitions.into_values().flatten().collect(),
        }
    }
}

/// The name of a generic type in a schema: `Page<u32>` for `name` = `Page` and the
/// argument `u32`; `name` alone without arguments. Used by the derive.
/// A name the text form uses for a builtin type is written `r#name`.
pub fn generic_name(name: &str, arguments: &[Type]) -> String {
    let name = if super::text::KEYWORDS.contains(&name) {
        format!("r#{name}")
    } else {
        name.to_owned()
    };
    if arguments.is_empty() {
        return name;
    }
    let arguments: Vec<String> = arguments.iter().map(ToString::to_string).collect();
    format!("{name}<{}>", arguments.join(", "))
}

/// Describes a field type that may not implement [`Describe`], as `opaque` when it does
/// not. Used by the derive (method resolution picks [`DescribeField`] when it applies).
#[doc(hidden)]
pub struct Probe<T: ?Sized>(pub core::marker::PhantomData<T>);

/// Used by the derive: the field type's own description.
#[doc(hidden)]
pub trait DescribeField {
    fn describe_field(&self, registry: &mut Registry) -> Type;
}

/// Used by the derive: the fallback for a field type without [`Describe`].
#[doc(hidden)]
pub trait DescribeOpaque {
    fn describe_field(&self, registry: &mut Registry) -> Type;
}

impl<T: Describe + ?Sized> DescribeField for &Probe<T> {
    fn describe_field(&self, registry: &mut Registry) -> Type {
        T::describe(registry)
    }
}

impl<T: ?Sized> DescribeOpaque for Probe<T> {
    fn describe_field(&self, _registry: &mut Registry) -> Type {
        Type::Opaque(core::any::type_name::<T>().replace(' ', ""))
    }
}
