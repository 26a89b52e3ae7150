//! A form with a file, posted as multipart form data to one of the import endpoints (the
//! findings import, the registry import): plain HTML, no JavaScript. Such an endpoint answers a
//! page's post by rendering the page again with what became of the file (`Uploaded`); other
//! clients get JSON. A multipart server function would put a parser into the wasm for a desktop
//! tool; this puts none there.

use leptos::prelude::*;

use crate::error::AppError;

/// What an import endpoint made of the file just posted, for the page it renders in answer,
/// with the form's other fields as they were posted (the page's form keeps them: a refused
/// file is sent again with the same choices).
#[derive(Clone, Debug)]
pub struct Uploaded<T> {
    pub outcome: Result<T, AppError>,
    pub fields: std::collections::HashMap<String, String>,
}

/// The answer to this page's post, if the page is one.
pub fn uploaded<T: Clone + Send + Sync + 'static>() -> Option<Result<T, AppError>> {
    use_context::<Uploaded<T>>().map(|u| u.outcome)
}

/// A field of the form as this page's post sent it.
pub fn posted<T: Clone + Send + Sync + 'static>(name: &str) -> Option<String> {
    use_context::<Uploaded<T>>().and_then(|u| u.fields.get(name).cloned())
}
