//! The location field of the intake form and of 更正位置: an address or grid code typed in,
//! or a point picked on the map.

use leptos::prelude::*;

use crate::app::AppState;
use crate::i18n::Msg;
use crate::tickets::Desk;
use crate::tickets::desk::PickFor;

/// `text` holds what is typed; the picked point is the desk's. `children` come last (the
/// server's problems with the location, in the intake form).
#[component]
pub fn LocationField(
    text: RwSignal<String>,
    pick_for: PickFor,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let lang = expect_context::<AppState>().lang;
    let desk = expect_context::<Desk>();
    let t = move |m: Msg| m.text(lang.get());
    view! {
        <div class="form-field">
            <span class="form-label">{move || t(Msg::FieldLocation)}</span>
            <div class="location-row">
                <input type="text" data-input="place" placeholder=move || t(Msg::FieldAddressPlaceholder)
                    prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))/>
                <button type="button" class="btn small" data-testid="pick-on-map"
                    class:active=move || desk.pick.get() == Some(pick_for)
                    on:click=move |_| desk.pick.set(Some(pick_for))>
                    {move || t(Msg::PickOnMap)}
                </button>
            </div>
            {move || match (desk.pick.get(), desk.picked.get()) {
                (Some(p), _) if p == pick_for => Some(view! { <span class="picked">{t(Msg::PickHint)}</span> }.into_any()),
                (_, Some([lon, lat])) => Some(view! {
                    <span class="picked mono" data-testid="picked-point">{format!("{lon:.6}, {lat:.6}")}</span>
                }.into_any()),
                _ => None,
            }}
            {children.map(|c| c())}
        </div>
    }
}
