//! The error catalog, emitted once: code, status, message, solution.

use proc_macro2::TokenStream;
use quote::quote;

use crate::names;
use crate::types::Ctx;

pub fn emit(ctx: &Ctx<'_>) -> Option<TokenStream> {
    let catalog = ctx.api.errors.as_ref()?;
    let idents: Vec<_> = catalog
        .codes
        .iter()
        .map(|c| names::ident(&c.code))
        .collect();
    let codes: Vec<&str> = catalog.codes.iter().map(|c| c.code.as_str()).collect();
    let statuses: Vec<proc_macro2::Literal> = catalog
        .codes
        .iter()
        .map(|c| proc_macro2::Literal::u16_unsuffixed(c.status))
        .collect();
    let messages: Vec<&str> = catalog.codes.iter().map(|c| c.message.as_str()).collect();
    let solutions: Vec<&str> = catalog.codes.iter().map(|c| c.solution.as_str()).collect();
    let docs: Vec<String> = catalog
        .codes
        .iter()
        .map(|c| crate::doc_text(&format!(" {} ({}): {}", c.code, c.status, c.message)))
        .collect();
    let count = idents.len();
    let fallback = match &catalog.fallback {
        Some(f) => {
            let f = names::ident(f);
            quote! {
                /// The code answered for unexpected server faults.
                pub const FALLBACK: ::std::option::Option<ErrorCode> = ::std::option::Option::Some(ErrorCode::#f);
            }
        }
        None => quote! {
            /// The spec names no code for unexpected server faults.
            pub const FALLBACK: ::std::option::Option<ErrorCode> = ::std::option::Option::None;
        },
    };
    Some(quote! {
        //! The error catalog of the spec (`x-specgate-errors`).

        /// Every error code of the API.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ErrorCode {
            #(#[doc = #docs] #idents,)*
        }

        /// Every code with its status, message and solution, in code order.
        pub const CATALOG: [crate::runtime::Entry; #count] = [
            #(crate::runtime::Entry { code: #codes, status: #statuses, message: #messages, solution: #solutions },)*
        ];

        #fallback

        impl ErrorCode {
            /// Every code, in code order.
            pub const ALL: [ErrorCode; #count] = [#(ErrorCode::#idents),*];

            /// The catalog entry of this code.
            pub fn entry(self) -> crate::runtime::Entry {
                CATALOG[self as usize]
            }

            /// The code as written in the spec.
            pub fn as_str(self) -> &'static str {
                self.entry().code
            }

            /// The HTTP status this code is answered with.
            pub fn status(self) -> u16 {
                self.entry().status
            }

            pub fn message(self) -> &'static str {
                self.entry().message
            }

            pub fn solution(self) -> &'static str {
                self.entry().solution
            }

            /// The code named `code`, if the catalog has it.
            pub fn from_code(code: &str) -> ::std::option::Option<ErrorCode> {
                Self::ALL.into_iter().find(|c| c.as_str() == code)
            }
        }

        impl ::std::fmt::Display for ErrorCode {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        /// The error response for `codes` (status of the first), in the spec's error layout.
        pub fn error_response(codes: &[ErrorCode]) -> ::axum::response::Response {
            let entries: ::std::vec::Vec<crate::runtime::Entry> = codes.iter().map(|c| c.entry()).collect();
            crate::runtime::error_response(&entries)
        }
    })
}
