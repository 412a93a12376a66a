//! The code of a service, written from the checked model: the trait (its methods
//! returning `Send` futures), the request and response protocols, the typed client and
//! the server adapter. Every path is absolute, through the crate path.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;

use super::ast::{Method, Service};

/// Names of the generated items.
struct Names {
    service: syn::Ident,
    request: syn::Ident,
    response: syn::Ident,
    client: syn::Ident,
    server: syn::Ident,
}

/// Everything the macro writes for a service without mistakes.
pub(crate) fn service(service: &Service<'_>, krate: &syn::Path) -> TokenStream {
    let ident = &service.item.ident;
    let names = Names {
        service: ident.clone(),
        request: format_ident!("{}Request", ident),
        response: format_ident!("{}Response", ident),
        client: format_ident!("{}Client", ident),
        server: format_ident!("{}Server", ident),
    };
    let error = match service.methods.first() {
        Some(method) => method.err.to_token_stream(),
        None => quote!(::core::convert::Infallible),
    };
    let krate_text = krate.to_token_stream().to_string().replace(' ', "");
    let the_trait = the_trait(service);
    let protocols = protocols(service, &names, krate, &krate_text);
    let client = client(service, &names, &error, krate);
    let server = server(service, &names, &error, krate);
    quote! {
        #the_trait
        #protocols
        #client
        #server
    }
}

/// The trait as written, each `async fn` declared as a method returning a `Send` future
/// (so that the server can run calls on any task); implementations write `async fn`.
fn the_trait(service: &Service<'_>) -> TokenStream {
    let item = service.item;
    let attrs = &item.attrs;
    let vis = &item.vis;
    let unsafety = &item.unsafety;
    let ident = &item.ident;
    let colon = &item.colon_token;
    let supertraits = &item.supertraits;
    let methods = service.methods.iter().map(|method| {
        let attrs = &method.kept_attrs;
        let name = method.ident;
        let args = method.args.iter().map(|arg| {
            let (ident, ty) = (arg.ident, arg.ty);
            quote!(#ident: #ty)
        });
        let (ok, err) = (method.ok, method.err);
        quote! {
            #(#attrs)*
            fn #name(&self, #(#args),*) -> impl ::core::future::Future<
                Output = ::core::result::Result<#ok, #err>,
            > + ::core::marker::Send;
        }
    });
    quote! {
        #(#attrs)*
        #vis #unsafety trait #ident #colon #supertraits {
            #(#methods)*
        }
    }
}

/// The request and response protocols, the messages generated for methods that do not
/// use messages of their own, and the checks of the ids of those that do.
fn protocols(
    service: &Service<'_>,
    names: &Names,
    krate: &syn::Path,
    krate_text: &str,
) -> TokenStream {
    let vis = &service.item.vis;
    let Names {
        service: trait_ident,
        request,
        response,
        ..
    } = names;
    let mut items = Vec::new();
    let mut request_variants = Vec::new();
    let mut response_variants = Vec::new();
    for method in &service.methods {
        let name = method.ident;
        let id = Literal::u16_unsuffixed(method.attrs.id.as_ref().map_or(0, |id| id.value));
        let request_variant = method.request_variant();
        let response_variant = method.response_variant();
        if method.uses_messages() {
            let arg = method.args[0].ty;
            let ok = method.response_type();
            let argument_check = format!(
                "the argument of `{trait_ident}::{name}` (`#[wire(message)]`) must be a message whose id is the method's, {id}"
            );
            let result_check = format!(
                "the result of `{trait_ident}::{name}` (`#[wire(message)]`) must be a message whose id is the method's, {id}"
            );
            items.push(quote_spanned! {arg.span()=>
                const _: () = ::core::assert!(
                    <#arg as #krate::Message>::ID == #id,
                    #argument_check
                );
            });
            items.push(quote_spanned! {ok.span()=>
                const _: () = ::core::assert!(
                    <#ok as #krate::Message>::ID == #id,
                    #result_check
                );
            });
            let doc = format!(" [`{trait_ident}::{name}`] (message id {id}).");
            request_variants.push(quote!(#[doc = #doc] #request_variant(#arg)));
            response_variants.push(quote!(#[doc = #doc] #response_variant(#ok)));
        } else {
            let pascal = method.pascal_name();
            let args_ident = format_ident!("{}{}Request", trait_ident, pascal);
            let result_ident = format_ident!("{}{}Response", trait_ident, pascal);
            let fields = method.args.iter().map(|arg| {
                let (ident, ty, attrs) = (arg.ident, arg.ty, &arg.wire_attrs);
                let doc = format!(" The argument `{ident}`.");
                quote!(#[doc = #doc] #(#attrs)* pub #ident: #ty,)
            });
            let ok = method.response_type();
            let args_doc = format!(
                " The request of [`{trait_ident}::{name}`]: its arguments (message id {id}; an argument added later is appended with `#[wire(since = N)]`, SPEC.md §12)."
            );
            let result_doc = if method.stream.is_some() {
                format!(
                    " An item of the stream of [`{trait_ident}::{name}`] (message id {id}; SPEC.md §11.8)."
                )
            } else {
                format!(" The response of [`{trait_ident}::{name}`]: its result (message id {id}).")
            };
            items.push(quote! {
                #[doc = #args_doc]
                #[derive(#krate::Message, ::core::fmt::Debug, ::core::clone::Clone)]
                #[wire(id = #id, crate = #krate_text)]
                #vis struct #args_ident {
                    #(#fields)*
                }

                #[doc = #result_doc]
                #[derive(#krate::Message, ::core::fmt::Debug, ::core::clone::Clone)]
                #[wire(id = #id, crate = #krate_text)]
                #vis struct #result_ident(
                    #[doc = " The result."]
                    pub #ok,
                );
            });
            let doc = format!(" [`{trait_ident}::{name}`] (message id {id}).");
            request_variants.push(quote!(#[doc = #doc] #request_variant(#args_ident)));
            response_variants.push(quote!(#[doc = #doc] #response_variant(#result_ident)));
        }
    }
    let request_doc = format!(
        " The requests of [`{trait_ident}`]: one message per method, whose id is the method's."
    );
    let response_doc = format!(
        " The responses of [`{trait_ident}`]: one message per method, whose id is the method's."
    );
    quote! {
        #(#items)*

        #[doc = #request_doc]
        #[derive(#krate::Protocol, ::core::fmt::Debug, ::core::clone::Clone)]
        #[wire(crate = #krate_text)]
        #vis enum #request {
            #(#request_variants,)*
        }

        #[doc = #response_doc]
        #[derive(#krate::Protocol, ::core::fmt::Debug, ::core::clone::Clone)]
        #[wire(crate = #krate_text)]
        #vis enum #response {
            #(#response_variants,)*
        }
    }
}

/// The typed client: one async method per trait method, over any tower service of calls.
fn client(
    service: &Service<'_>,
    names: &Names,
    error: &TokenStream,
    krate: &syn::Path,
) -> TokenStream {
    let vis = &service.item.vis;
    let Names {
        service: trait_ident,
        request,
        response,
        client,
        ..
    } = names;
    let rpc = quote!(#krate::rpc);
    let krate_text = krate.to_token_stream().to_string().replace(' ', "");
    let connect_doc = format!(
        " Connects to `addr` (see [`RpcClient::connect`]({krate_text}::rpc::RpcClient::connect))."
    );
    let over_doc = format!(
        " A client over `io` (see [`RpcClient::over`]({krate_text}::rpc::RpcClient::over))."
    );
    let methods = service.methods.iter().filter(|method| method.stream.is_none()).map(|method| {
        let name = method.ident;
        let name_text = format!("{trait_ident}::{name}");
        let docs = method
            .kept_attrs
            .iter()
            .filter(|attr| attr.path().is_ident("doc"));
        let lead = format!(" Calls [`{trait_ident}::{name}`] on the server.");
        let errors_doc = format!(
            " The method's own error as `RpcError::Application`, and whatever else fails the call (see [`RpcError`]({krate_text}::rpc::RpcError))."
        );
        let args = typed_args(method);
        let (ok, idempotent) = (method.ok, method.attrs.idempotent.is_some());
        let (request_value, response_pattern) =
            request_and_response(method, trait_ident, request, response);
        quote! {
            #[doc = #lead]
            #[doc = ""]
            #(#docs)*
            #[doc = ""]
            #[doc = " # Errors"]
            #[doc = #errors_doc]
            pub async fn #name(&self, #(#args),*) -> ::core::result::Result<#ok, #rpc::RpcError<#error>> {
                let __options = #rpc::service::options(self.options, #idempotent);
                let __call = #rpc::Call::new(#request_value).with_options(__options);
                #[allow(unreachable_patterns)]
                match #rpc::service::call_typed(&self.service, __call).await? {
                    #response_pattern => ::core::result::Result::Ok(__value),
                    __other => ::core::result::Result::Err(#rpc::service::unexpected(#name_text, &__other)),
                }
            }
        }
    });
    let streaming_methods = service
        .methods
        .iter()
        .filter(|method| method.stream.is_some())
        .map(|method| streaming_client_method(method, names, error, krate));
    let doc = format!(
        " The typed client of [`{trait_ident}`]: one async method per method of the trait, over any \
         tower service of [`Call`]({krate_text}::rpc::Call)s, by default an \
         [`RpcClient`]({krate_text}::rpc::RpcClient) (so that `ServiceBuilder` layers and balanced \
         clients fit under it). Cheap to clone when the service is."
    );
    quote! {
        #[doc = #doc]
        #[derive(::core::fmt::Debug, ::core::clone::Clone)]
        #vis struct #client<__S = #rpc::RpcClient<#request, #response, #error>> {
            service: __S,
            options: ::core::option::Option<#rpc::CallOptions>,
        }

        impl<__S> #client<__S> {
            /// A client that makes its calls through `service`.
            #vis fn new(service: __S) -> Self {
                Self { service, options: ::core::option::Option::None }
            }

            /// A client whose calls have `options` (deadline, idempotency); a method marked
            /// `#[wire(idempotent)]` is idempotent whatever `options` say.
            #[must_use]
            #vis fn with_options(&self, options: #rpc::CallOptions) -> Self
            where
                __S: ::core::clone::Clone,
            {
                Self {
                    service: ::core::clone::Clone::clone(&self.service),
                    options: ::core::option::Option::Some(options),
                }
            }

            /// The service the calls go through.
            #vis fn get_ref(&self) -> &__S {
                &self.service
            }

            /// The service the calls go through.
            #vis fn into_inner(self) -> __S {
                self.service
            }
        }

        impl #client {
            #[doc = #connect_doc]
            ///
            /// # Errors
            /// When no connection attempt succeeded.
            #vis async fn connect(
                addr: impl #rpc::service::ToSocketAddrs,
                config: #rpc::RpcClientConfig,
            ) -> ::core::result::Result<Self, #krate::transport::ConnectError> {
                ::core::result::Result::Ok(Self::new(#rpc::RpcClient::connect(addr, config).await?))
            }

            #[doc = #over_doc]
            #vis fn over<__T>(io: __T, config: #rpc::RpcClientConfig) -> Self
            where
                __T: #rpc::service::AsyncRead + #rpc::service::AsyncWrite
                    + ::core::marker::Send + ::core::marker::Unpin + 'static,
            {
                Self::new(#rpc::RpcClient::over(io, config))
            }
        }

        impl<__S> #client<__S>
        where
            __S: #rpc::service::Service<
                    #rpc::Call<#request>,
                    Response = #response,
                    Error = #rpc::RpcError<#error>,
                > + ::core::clone::Clone + 'static,
        {
            #(#methods)*
        }

        impl<__S> #client<__S>
        where
            __S: #rpc::service::OpenStream<#request, #response, #error>,
        {
            #(#streaming_methods)*
        }
    }
}

/// A client method's parameters: `name: Type` for each of the trait method's arguments.
fn typed_args<'a>(method: &'a Method<'_>) -> impl Iterator<Item = TokenStream> + 'a {
    method.args.iter().map(|arg| {
        let (ident, ty) = (arg.ident, arg.ty);
        quote!(#ident: #ty)
    })
}

/// The request a client method sends (its arguments in the method's request variant) and
/// the pattern of its response variant, binding the value to `__value`.
fn request_and_response(
    method: &Method<'_>,
    trait_ident: &syn::Ident,
    request: &syn::Ident,
    response: &syn::Ident,
) -> (TokenStream, TokenStream) {
    let request_variant = method.request_variant();
    let response_variant = method.response_variant();
    if method.uses_messages() {
        let arg = method.args[0].ident;
        (
            quote!(#request::#request_variant(#arg)),
            quote!(#response::#response_variant(__value)),
        )
    } else {
        let pascal = method.pascal_name();
        let args_ident = format_ident!("{}{}Request", trait_ident, pascal);
        let result_ident = format_ident!("{}{}Response", trait_ident, pascal);
        let fields = method.args.iter().map(|arg| arg.ident);
        (
            quote!(#request::#request_variant(#args_ident { #(#fields),* })),
            quote!(#response::#response_variant(#result_ident(__value))),
        )
    }
}

/// A streaming method of the typed client: opens the stream, its items typed.
fn streaming_client_method(
    method: &Method<'_>,
    names: &Names,
    error: &TokenStream,
    krate: &syn::Path,
) -> TokenStream {
    let Names {
        service: trait_ident,
        request,
        response,
        ..
    } = names;
    let rpc = quote!(#krate::rpc);
    let name = method.ident;
    let name_text = format!("{trait_ident}::{name}");
    let docs = method
        .kept_attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"));
    let lead = format!(
        " Opens the stream of [`{trait_ident}::{name}`] on the server: its items, read with \
         flow control (SPEC.md §11.8); dropping it cancels the stream."
    );
    let errors_doc = " The method's own error as `RpcError::Application` when it refused to open \
                      the stream, and whatever else fails the call; the stream's items fail \
                      the same way.";
    let args = typed_args(method);
    let item = method.response_type();
    let (request_value, response_pattern) =
        request_and_response(method, trait_ident, request, response);
    quote! {
        #[doc = #lead]
        #[doc = ""]
        #(#docs)*
        #[doc = ""]
        #[doc = " # Errors"]
        #[doc = #errors_doc]
        pub async fn #name(&self, #(#args),*) -> ::core::result::Result<
            #rpc::RpcStream<#response, #error, #item>,
            #rpc::RpcError<#error>,
        > {
            let __options = #rpc::service::options(self.options, false);
            let __stream = #rpc::service::OpenStream::open_stream(&self.service, #request_value, __options).await?;
            ::core::result::Result::Ok(__stream.typed(#name_text, |__response| {
                #[allow(unreachable_patterns)]
                match __response {
                    #response_pattern => ::core::result::Result::Ok(__value),
                    __other => ::core::result::Result::Err(__other),
                }
            }))
        }
    }
}

/// The server adapter: serves any implementation of the trait.
fn server(
    service: &Service<'_>,
    names: &Names,
    error: &TokenStream,
    krate: &syn::Path,
) -> TokenStream {
    let vis = &service.item.vis;
    let Names {
        service: trait_ident,
        request,
        response,
        server,
        ..
    } = names;
    let rpc = quote!(#krate::rpc);
    let krate_text = krate.to_token_stream().to_string().replace(' ', "");
    let rpc_server_doc =
        format!(" An [`RpcServer`]({krate_text}::rpc::RpcServer) of this service, with `config`.");
    let streams = service.methods.iter().any(|method| method.stream.is_some());
    let arms = service.methods.iter().map(|method| {
        let name = method.ident;
        let request_variant = method.request_variant();
        let response_variant = method.response_variant();
        let (pattern, call, wrap) = if method.uses_messages() {
            (
                quote!(#request::#request_variant(__request)),
                quote!(__service.#name(__request).await),
                quote!(#response::#response_variant),
            )
        } else {
            let pascal = method.pascal_name();
            let args_ident = format_ident!("{}{}Request", trait_ident, pascal);
            let result_ident = format_ident!("{}{}Response", trait_ident, pascal);
            let fields: Vec<&syn::Ident> = method.args.iter().map(|arg| arg.ident).collect();
            (
                quote!(#request::#request_variant(#args_ident { #(#fields),* })),
                quote!(__service.#name(#(#fields),*).await),
                quote!(|__value| #response::#response_variant(#result_ident(__value))),
            )
        };
        match (streams, method.stream.is_some()) {
            (false, _) => quote!(#pattern => #call.map(#wrap),),
            (true, false) => quote!(#pattern => #rpc::Answer::from_result(#call.map(#wrap)),),
            (true, true) => quote!(#pattern => #rpc::Answer::from_stream(#call, #wrap),),
        }
    });
    let handle_and_server = if streams {
        quote! {
            /// Answers `request` by calling the method it names: a reply, or the stream of
            /// a streaming method.
            #vis fn handle(&self, request: #request) -> #rpc::service::AnswerFuture<#response, #error> {
                let __service = ::std::sync::Arc::clone(&self.service);
                ::std::boxed::Box::pin(async move {
                    match request {
                        #(#arms)*
                    }
                })
            }

            #[doc = #rpc_server_doc]
            #vis fn into_rpc_server(
                self,
                config: #rpc::RpcServerConfig,
            ) -> #rpc::RpcServer<
                #request,
                #response,
                #error,
                #rpc::StreamingFn<
                    impl ::core::ops::Fn(#request) -> #rpc::service::AnswerFuture<#response, #error>
                        + ::core::marker::Send + ::core::marker::Sync + 'static,
                >,
            > {
                #rpc::RpcServer::streaming(config, move |request: #request| self.handle(request))
            }
        }
    } else {
        quote! {
            /// Answers `request` by calling the method it names.
            #vis fn handle(&self, request: #request) -> #rpc::HandlerFuture<#response, #error> {
                let __service = ::std::sync::Arc::clone(&self.service);
                ::std::boxed::Box::pin(async move {
                    match request {
                        #(#arms)*
                    }
                })
            }

            #[doc = #rpc_server_doc]
            #vis fn into_rpc_server(
                self,
                config: #rpc::RpcServerConfig,
            ) -> #rpc::RpcServer<
                #request,
                #response,
                #error,
                impl ::core::ops::Fn(#request) -> #rpc::HandlerFuture<#response, #error>
                    + ::core::marker::Send + ::core::marker::Sync + 'static,
            > {
                #rpc::RpcServer::new(config, move |request: #request| self.handle(request))
            }
        }
    };
    // A tower service of requests answers with one response: a service with streams is
    // served by its `into_rpc_server` only.
    let tower_service = if streams {
        quote!()
    } else {
        quote! {
            impl<__I> #rpc::service::Service<#request> for #server<__I>
        where
            __I: #trait_ident + ::core::marker::Send + ::core::marker::Sync + 'static,
        {
            type Response = #response;
            type Error = #error;
            type Future = #rpc::HandlerFuture<#response, #error>;

            fn poll_ready(
                &mut self,
                _cx: &mut ::core::task::Context<'_>,
            ) -> ::core::task::Poll<::core::result::Result<(), Self::Error>> {
                ::core::task::Poll::Ready(::core::result::Result::Ok(()))
            }

            fn call(&mut self, request: #request) -> Self::Future {
                self.handle(request)
            }
        }
        }
    };
    let doc = format!(
        " Serves an implementation of [`{trait_ident}`]: each request calls the method it names. \
         [`into_rpc_server`](Self::into_rpc_server) makes it an `RpcServer`; as a tower service it \
         goes behind `ServiceBuilder` layers and then `RpcServer::from_service`."
    );
    quote! {
        #[doc = #doc]
        #vis struct #server<__I> {
            service: ::std::sync::Arc<__I>,
        }

        impl<__I> ::core::clone::Clone for #server<__I> {
            fn clone(&self) -> Self {
                Self { service: ::std::sync::Arc::clone(&self.service) }
            }
        }

        impl<__I> ::core::fmt::Debug for #server<__I> {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(::core::stringify!(#server))
            }
        }

        impl<__I> #server<__I>
        where
            __I: #trait_ident + ::core::marker::Send + ::core::marker::Sync + 'static,
        {
            /// Serves `service`.
            #vis fn new(service: __I) -> Self {
                Self { service: ::std::sync::Arc::new(service) }
            }

            /// Serves a shared `service`.
            #vis fn from_arc(service: ::std::sync::Arc<__I>) -> Self {
                Self { service }
            }

            /// The implementation served.
            #vis fn get_ref(&self) -> &__I {
                &self.service
            }

            #handle_and_server
        }

        #tower_service
    }
}
