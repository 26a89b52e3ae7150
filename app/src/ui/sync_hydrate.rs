//! Type erasure without async hydration.
//!
//! tachys' `AnyView` keeps a pointer to the async hydration (`hydrate_async`) of every view it
//! erases, so each `.into_any()` compiles the async hydration of its whole subtree into the wasm,
//! though only lazy routes (`hydrate_lazy`) ever call it. This app hydrates with `hydrate_body`,
//! synchronously, and that code never runs: it was a fifth of the bundle (docs/benchmarks.md).
//! [`SyncHydrate`] delegates everything to the view it wraps except `hydrate_async`, for which
//! it keeps the trait's default (the synchronous hydration), so erasing it compiles none.

use leptos::prelude::*;
use leptos::tachys::{
    html::attribute::{any_attribute::AnyAttribute, Attribute},
    hydration::Cursor,
    ssr::StreamBuilder,
    view::{add_attr::AddAnyAttr, Position, PositionState, Render, RenderHtml},
};

/// A view whose erasure leaves out async hydration; see the module documentation.
pub struct SyncHydrate<V>(pub V);

impl<V: Render> Render for SyncHydrate<V> {
    type State = V::State;

    fn build(self) -> Self::State {
        self.0.build()
    }

    fn rebuild(self, state: &mut Self::State) {
        self.0.rebuild(state)
    }
}

impl<V: AddAnyAttr> AddAnyAttr for SyncHydrate<V> {
    type Output<SomeNewAttr: Attribute> = SyncHydrate<V::Output<SomeNewAttr>>;

    fn add_any_attr<NewAttr: Attribute>(self, attr: NewAttr) -> Self::Output<NewAttr>
    where
        Self::Output<NewAttr>: RenderHtml,
    {
        SyncHydrate(self.0.add_any_attr(attr))
    }
}

impl<V: RenderHtml> RenderHtml for SyncHydrate<V> {
    type AsyncOutput = SyncHydrate<V::AsyncOutput>;
    type Owned = SyncHydrate<V::Owned>;

    const MIN_LENGTH: usize = V::MIN_LENGTH;
    const EXISTS: bool = V::EXISTS;

    fn dry_resolve(&mut self) {
        self.0.dry_resolve()
    }

    fn resolve(self) -> impl std::future::Future<Output = Self::AsyncOutput> + Send {
        let inner = self.0.resolve();
        async move { SyncHydrate(inner.await) }
    }

    fn html_len(&self) -> usize {
        self.0.html_len()
    }

    fn to_html_with_buf(
        self,
        buf: &mut String,
        position: &mut Position,
        escape: bool,
        mark_branches: bool,
        extra_attrs: Vec<AnyAttribute>,
    ) {
        self.0
            .to_html_with_buf(buf, position, escape, mark_branches, extra_attrs)
    }

    fn to_html_async_with_buf<const OUT_OF_ORDER: bool>(
        self,
        buf: &mut StreamBuilder,
        position: &mut Position,
        escape: bool,
        mark_branches: bool,
        extra_attrs: Vec<AnyAttribute>,
    ) where
        Self: Sized,
    {
        self.0.to_html_async_with_buf::<OUT_OF_ORDER>(
            buf,
            position,
            escape,
            mark_branches,
            extra_attrs,
        )
    }

    fn hydrate<const FROM_SERVER: bool>(
        self,
        cursor: &Cursor,
        position: &PositionState,
    ) -> Self::State {
        self.0.hydrate::<FROM_SERVER>(cursor, position)
    }

    fn into_owned(self) -> Self::Owned {
        SyncHydrate(self.0.into_owned())
    }
}

/// `.into_any()` for this app: the same erased view, without async hydration compiled in.
pub trait IntoAnySync {
    fn into_any_sync(self) -> AnyView;
}

impl<V: RenderHtml + Send> IntoAnySync for V {
    #[allow(clippy::disallowed_methods)] // the one place that erases, through the wrapper
    fn into_any_sync(self) -> AnyView {
        SyncHydrate(self).into_any()
    }
}

/// A route's view that the router erases without async hydration.
pub fn page<F, V>(view: F) -> impl Fn() -> SyncHydrate<V> + Clone + Send + Sync + 'static
where
    F: Fn() -> V + Clone + Send + Sync + 'static,
    V: IntoView,
{
    move || SyncHydrate(view())
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn renders_the_same_html_as_the_view_it_wraps() {
        let plain = || {
            view! {
                <section class="a">
                    <h1>"标题"</h1>
                    {Some(view! { <p>"one"</p> })}
                    {vec!["x", "y"].into_iter().map(|s| view! { <li>{s}</li> }).collect_view()}
                </section>
            }
        };
        let expected = plain().to_html();
        assert!(expected.contains("<h1>标题</h1>"), "{expected}");
        assert_eq!(SyncHydrate(plain()).to_html(), expected);
        #[allow(clippy::disallowed_methods)] // the comparison is with what it replaces
        let erased = plain().into_any().to_html();
        assert_eq!(plain().into_any_sync().to_html(), erased);
    }
}
